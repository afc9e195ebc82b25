"""Seeding for W3 (run in a child with DJANGO_SETTINGS_MODULE and the database set).

W2's variants (``stress``: everyone with a grid under one home-monitoring measure with two checks a
day; ``realistic``: 3 % of them), plus the reporting activity the daily report counts: ~100k
verification tasks over 30 days (scaled with the persons) in ~10 push batches a day from the push
sources, samples, transfers, inbound arrivals, some abnormal checks; then the finished days closed
through ``reports.services.do_close_day`` so trends read DailyStat.

The clock is the dataset's: ``anchor`` is the seeding day at 10:00 Asia/Shanghai (before the 16:00
cut-off), so the live reporting day is ``anchor`` and the 29 days before it are finished. Measurement
children freeze ``django.utils.timezone.now`` to the same instant (plus elapsed time).

Bulk measures and checks are set-based SQL (bench code; W2's approach, with a SQLite dialect); the
rest goes through ``bulk_create`` so both databases get the same rows. Each stage is keyed on the
dataset's own state record (``bench/state.py``), never on a table being empty. Bench code: not product
code, no audit rows.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

CHECK_DAYS = 30
TASKS_TOTAL = 100_000  # at 285,000 persons; scaled with the persons
MARK = "W3 bench"
ZONE = ZoneInfo("Asia/Shanghai")


def _say(message: str) -> None:
    print(message, flush=True)


def anchor_now(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), ZONE)


def freeze(now: dt.datetime) -> None:
    """Run this process's clock from ``now`` (call before django.setup())."""
    from django.utils import timezone

    real = timezone.now
    offset = now - real()
    timezone.now = lambda: real() + offset


def seed(
    persons: int, state_file: Path, day: dt.date, variant: str = "stress", days: int = CHECK_DAYS
) -> dict[str, Any]:
    """``day``: the dataset's live reporting day (the parent keeps it with the cache). The state is
    also written to ``state_file`` for the parent."""
    from bench.checkins_seed import REALISTIC_SHARE

    freeze(anchor_now(day))
    from django.db import connection

    from bench import state as bench_state

    state = bench_state.district(persons)
    if state.setdefault("day", day.isoformat()) != day.isoformat():
        raise SystemExit(f"the cached dataset is for {state['day']}, not {day}: remove the cache")
    anchor = day
    share = 1.0 if variant == "stress" else REALISTIC_SHARE
    stages = state["stages"]
    with connection.cursor() as cursor:
        if "measures" not in stages:
            with bench_state.stage(state, "measures"):
                _measures(cursor, anchor, share, days)
        if "checks" not in stages:
            with bench_state.stage(state, "checks"):
                _checks(cursor, anchor, days)
            cursor.execute(
                "VACUUM (ANALYZE) control_healthcheck" if connection.vendor == "postgresql" else "ANALYZE"
            )
    if "activity" not in stages:
        with bench_state.stage(state, "activity"):
            state["activity"] = _activity(anchor, persons, days)
    if "closed" not in stages:
        with bench_state.stage(state, "closed"):
            state["close_seconds"] = _close_days(anchor, days)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    state["counts"] = _counts()
    _save(state_file, state)
    return state


def _save(state_file: Path, state: dict[str, Any]) -> None:
    state_file.write_text(json.dumps(state, indent=1))


def _counts() -> dict[str, int]:
    from django.db import connection

    tables = [
        "people_person",
        "control_measure",
        "control_healthcheck",
        "verification_verificationtask",
        "verification_pushbatch",
        "control_sample",
        "control_transfer",
        "control_inboundarrival",
        "reports_dailystat",
        "reports_closedday",
    ]
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 — fixed names
            out[table] = int(cursor.fetchone()[0])
    return out


# ---------------------------------------------------------------------------------------------
# Measures and checks (set-based)


def _measures(cursor: Any, anchor: dt.date, share: float, days: int) -> None:
    """One home-monitoring measure per chosen person with a grid (``share`` of them, by a hash of
    the id), started ``days`` before the anchor and opened that morning (spread over 8 hours); the
    grid's worker on each team. The demo's own scenario measures stay; their persons are skipped."""
    from django.db import connection

    from hongyixing.rules.services import measure_rule

    pg = connection.vendor == "postgresql"
    start = anchor - dt.timedelta(days=days)
    end = anchor + dt.timedelta(days=180)
    rule = measure_rule("home_monitoring", "general", start)
    jsonl, jsono = ("'[]'::jsonb", "'{}'::jsonb") if pg else ("'[]'", "'{}'")
    cursor.execute(
        f"""
        INSERT INTO control_measure (person_id, type, category, source, reason, rule_id, follow_on,
            start_date, period_days, extension_days, test_days, end_date, state, unit_path, grid_id,
            household_id, opened_at, close_reason, suitability, notice_signed_by, transfer_out_to,
            transfer_out_state, version)
        SELECT id, 'home_monitoring', 'general', 'manual', %s, %s, false, %s, %s, 0, {jsonl},
            %s, 'active', unit_path, grid_id, household_id, %s, '', {jsono}, '', '', '', 1
        FROM people_person WHERE grid_id IS NOT NULL AND (id * 7919) %% 10000 < %s
          AND id NOT IN (SELECT person_id FROM control_measure WHERE state = 'active')
        ORDER BY unit_path, household_id, id
        """,
        [MARK, rule.pk, start, (end - start).days, end, anchor_now(start), round(share * 10000)],
    )
    cursor.execute(
        """
        INSERT INTO control_teammember (measure_id, role, user_id, name, duty)
        SELECT m.id, 'grid_worker', w.user_id, u.username, ''
        FROM control_measure m
        JOIN (SELECT grid_id, min(user_id) AS user_id FROM accounts_grant
              WHERE role = 'grid_worker' AND grid_id IS NOT NULL GROUP BY grid_id) w
          ON w.grid_id = m.grid_id
        JOIN accounts_user u ON u.id = w.user_id
        WHERE m.reason = 'W3 bench'
        """
    )
    # opened 08:00-16:00 local on the start day (the product sets opened_at when the measure opens)
    if pg:
        cursor.execute(
            "UPDATE control_measure SET opened_at = (start_date + time '08:00') AT TIME ZONE 'Asia/Shanghai'"
            " + (id % 480) * interval '1 minute' WHERE reason = 'W3 bench'"
        )
    else:
        cursor.execute(
            "UPDATE control_measure SET opened_at = strftime('%Y-%m-%d %H:%M:%S', start_date, "
            "'+' || (id % 480) || ' minutes') WHERE reason = 'W3 bench'"
        )  # 08:00 local = 00:00 UTC


def _checks(cursor: Any, anchor: dt.date, days: int) -> None:
    """``days`` × morning and evening for every bench measure (W2's SQL on PostgreSQL), plus the
    anchor day's morning checks for 90 % of measures (it is 10:00); 1 in 1,999 checks abnormal."""
    from django.db import connection

    from bench.checkins_seed import _write_checks

    pg = connection.vendor == "postgresql"
    if pg:
        _write_checks(cursor, anchor, days, mark=MARK)
    else:
        _sqlite_checks(cursor, anchor, days)
    if pg:
        cursor.execute(
            """
            INSERT INTO control_healthcheck (client_id, measure_id, person_id, unit_path, grid_id, day,
                slot, temperature, symptoms, abnormal, source, recorded_by_id, recorded_at)
            SELECT gen_random_uuid(), m.id, m.person_id, m.unit_path, m.grid_id, %s::date, 'm',
                round((36.0 + random() * 0.9)::numeric, 1), '', false, 'team', t.user_id,
                (%s::date + time '08:00') AT TIME ZONE 'Asia/Shanghai' + random() * interval '90 minutes'
            FROM control_measure m
            LEFT JOIN control_teammember t ON t.measure_id = m.id AND t.role = 'grid_worker'
            WHERE m.id %% 10 <> 0 AND m.reason = 'W3 bench' ORDER BY m.id
            """,
            [anchor, anchor],
        )
        cursor.execute(
            "UPDATE control_healthcheck SET abnormal = true, temperature = 37.8, symptoms = 'fever' "
            "WHERE id % 1999 = 0"
        )
    else:
        cursor.execute(
            f"""
            INSERT INTO control_healthcheck (client_id, measure_id, person_id, unit_path, grid_id, day,
                slot, temperature, symptoms, abnormal, source, recorded_by_id, recorded_at)
            SELECT printf('%%08x%%01x%%023x', {days + 1}, 1, m.id), m.id, m.person_id, m.unit_path,
                m.grid_id, %s, 'm', round(36.0 + abs(random() %% 10) / 10.0, 1), '', 0, 'team', t.user_id,
                strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '+' || abs(random() %% 5400) || ' seconds')
            FROM control_measure m
            LEFT JOIN control_teammember t ON t.measure_id = m.id AND t.role = 'grid_worker'
            WHERE m.id %% 10 <> 0 AND m.reason = 'W3 bench' ORDER BY m.id
            """,
            [anchor.isoformat(), anchor.isoformat()],
        )
        cursor.execute(
            "UPDATE control_healthcheck SET abnormal = 1, temperature = 37.8, symptoms = 'fever' "
            "WHERE id % 1999 = 0"
        )


def _sqlite_checks(cursor: Any, anchor: dt.date, days: int) -> None:
    """W2's ``days`` × 2 checks, SQLite dialect: client ids increase with the insert order (the unique
    index is appended to), secondary indexes dropped during the load and rebuilt."""
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'control_healthcheck' "
        "AND sql IS NOT NULL"
    )
    indexes = cursor.fetchall()
    for name, _sql in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("PRAGMA cache_size = -1000000")
    for offset in range(days, 0, -1):
        day = anchor - dt.timedelta(days=offset)
        for n, (slot, hour_utc) in enumerate((("m", 0), ("e", 11))):
            cursor.execute(
                """
                INSERT INTO control_healthcheck (client_id, measure_id, person_id, unit_path, grid_id, day,
                    slot, temperature, symptoms, abnormal, source, recorded_by_id, recorded_at)
                SELECT printf('%%08x%%01x%%023x', %s, %s, m.id), m.id, m.person_id, m.unit_path, m.grid_id,
                    %s, %s, round(36.0 + abs(random() %% 10) / 10.0, 1), '', 0, 'team', t.user_id,
                    strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '+' || (%s * 3600 + abs(random() %% 5400))
                        || ' seconds')
                FROM control_measure m
                LEFT JOIN control_teammember t ON t.measure_id = m.id AND t.role = 'grid_worker'
                WHERE m.reason = 'W3 bench' ORDER BY m.id
                """,
                [days - offset, n, day.isoformat(), slot, day.isoformat(), hour_utc],
            )
    for _name, sql in indexes:
        cursor.execute(sql)


# ---------------------------------------------------------------------------------------------
# Reporting activity (ORM bulk_create: the same rows on both databases)


def _activity(anchor: dt.date, persons: int, days: int) -> dict[str, int]:
    from django.db import transaction

    from hongyixing.accounts.models import User
    from hongyixing.control.models import InboundArrival, Measure, Sample, Transfer
    from hongyixing.people.models import Person
    from hongyixing.verification.models import PushBatch, PushSource, VerificationTask

    rng = random.Random(3)
    now = anchor_now(anchor)
    people = list(Person.objects.filter(grid__isnull=False).values_list("id", "name", "unit_path", "grid_id"))
    measures = list(
        Measure.objects.filter(reason__endswith=" bench").values_list(
            "id", "person_id", "unit_path", "grid_id"
        )
    )
    sources = list(PushSource.objects.order_by("id"))
    if not sources:
        sources = [
            PushSource.objects.create(code=code, name=name, kind=kind)
            for code, name, kind in [
                ("bigdata", "省大数据中心", "big_data"),
                ("police", "公安", "police"),
                ("telecom", "通信运营商", "telecom"),
                ("rail", "铁路航空", "transport"),
                ("taskforce", "市指挥部", "task_force"),
                ("checkpoint", "卡口", "checkpoint"),
            ]
        ]
    district = User.objects.get(username="district")
    categories = (
        ["general"] * 5 + ["itinerary"] * 2 + ["close_contact", "companion", "arrival", "health_code"]
    )
    dispositions = ["ALREADY_KNOWN", "NEW_FOUND", "HEALTH_MONITORING", "TEST_ONLY", "NOT_RESIDENT"]
    dispositions += ["LEFT_AREA", "TRANSIT_ONLY", "NOT_FOUND", "UNREACHABLE"]
    per_day = max(10, TASKS_TOTAL * persons // 285_000 // days)
    samples_per_day = min(len(measures), max(10, 1500 * persons // 285_000))
    counts = {"batches": 0, "tasks": 0, "samples": 0, "transfers": 0, "inbound": 0}
    with transaction.atomic():
        for offset in range(days - 1, -1, -1):
            day = anchor - dt.timedelta(days=offset)
            window_start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(16, 0), ZONE)
            span = min(24 * 3600, (now - window_start).total_seconds())
            batches = []
            for b in range(10):
                source = sources[(offset * 10 + b) % len(sources)]
                batches.append(
                    PushBatch(
                        source=source,
                        external_id=f"w3-{day}-{b}",
                        title=f"{source.name} {day} 第{b + 1}批",
                        category=categories[b % len(categories)],
                        received_at=window_start + dt.timedelta(seconds=span * b / 10),
                        received_by=district,
                        unit_path="320813",
                        row_count=per_day // 10,
                    )
                )
            batches = PushBatch.objects.bulk_create(batches)
            counts["batches"] += len(batches)
            tasks = []
            n_today = int(per_day * span / (24 * 3600))
            for i in range(n_today):
                batch = batches[i * 10 // max(1, n_today)]
                pid, name, path, grid = people[rng.randrange(len(people))]
                created = batch.received_at + dt.timedelta(seconds=rng.random() * span / 10)
                category = batch.category
                deadline = created + dt.timedelta(hours=12 if category == "close_contact" else 24)
                r = rng.random()
                state, disposition, submitted = "dispatched", "", None
                if r < 0.03:
                    state = "forwarded"
                elif r < 0.95:
                    submitted = created + dt.timedelta(hours=rng.expovariate(1 / 10))
                    if submitted <= now:
                        disposition = dispositions[rng.randrange(len(dispositions))]
                        state = "closed" if submitted < now - dt.timedelta(days=2) else "submitted"
                    else:
                        submitted = None
                        state = "accepted"
                tasks.append(
                    VerificationTask(
                        batch=batch,
                        person_id=pid,
                        name=name,
                        category=category,
                        unit_path=path,
                        grid_id=grid,
                        state=state,
                        created_at=created,
                        deadline=deadline,
                        disposition=disposition,
                        submitted_at=submitted,
                        closed_at=submitted if state == "closed" else None,
                    )
                )
            VerificationTask.objects.bulk_create(tasks, batch_size=5000)
            counts["tasks"] += len(tasks)
            # samples: ~1,500 due a day among the measures
            samples = []
            for i, (mid, pid, path, grid) in enumerate(rng.sample(measures, samples_per_day)):
                sampled = dt.datetime.combine(day, dt.time(9, 0), ZONE) + dt.timedelta(
                    minutes=rng.randrange(120)
                )
                result_at = sampled + dt.timedelta(hours=8 + rng.random() * 12)
                status = "scheduled"
                if rng.random() < 0.03 or sampled > now:
                    sampled_at, result_at_v = None, None
                elif result_at > now:
                    status, sampled_at, result_at_v = "sampled", sampled, None
                else:
                    positive = rng.random() < 1 / 3000
                    status, sampled_at, result_at_v = (
                        ("positive" if positive else "negative"),
                        sampled,
                        result_at,
                    )
                samples.append(
                    Sample(
                        measure_id=mid,
                        person_id=pid,
                        unit_path=path,
                        grid_id=grid,
                        day_number=offset % 14 + 1,
                        due_date=day,
                        status=status,
                        barcode=f"W3{day:%m%d}{i:05d}" if sampled_at else None,
                        sampled_at=sampled_at,
                        pool_size=10,
                        result_at=result_at_v,
                        result_source="lab" if result_at_v else "",
                        lab="洪泽区疾控" if result_at_v else "",
                    )
                )
            Sample.objects.bulk_create(samples, batch_size=5000)
            counts["samples"] += len(samples)
            transfers = []
            arrivals = []
            for i in range(20):
                pid, name, path, grid = people[rng.randrange(len(people))]
                created = window_start + dt.timedelta(seconds=rng.random() * span)
                picked = created + dt.timedelta(minutes=30 + rng.randrange(60))
                handed = picked + dt.timedelta(minutes=20 + rng.randrange(60))
                state = "closed"
                if picked > now:
                    state, picked_v, handed_v = "scheduled", None, None
                elif handed > now or rng.random() < 0.02:
                    state, picked_v, handed_v = "picked_up", picked, None
                else:
                    picked_v, handed_v = picked, handed
                transfers.append(
                    Transfer(
                        number=f"W3-{day:%Y%m%d}-{i:03d}",
                        reason=["fever_clinic", "to_site", "to_home", "inbound"][i % 4],
                        from_place=name + "家",
                        to_place="洪泽区人民医院发热门诊",
                        scheduled_at=created,
                        picked_up_at=picked_v,
                        handed_over_at=handed_v,
                        closed_at=handed_v,
                        vehicle_plate="苏H·12345",
                        state=state,
                        created_by=district,
                        created_at=created,
                        unit_path=path,
                        grid_id=grid,
                    )
                )
                if i < 10:
                    apid, _aname, apath, agrid = people[rng.randrange(len(people))]
                    arrivals.append(
                        InboundArrival(
                            person_id=apid,
                            entry_port="上海浦东",
                            entry_date=day - dt.timedelta(days=14),
                            countries_14d="新加坡",
                            liaison=district,
                            unit_path=apath,
                            grid_id=agrid,
                            created_at=window_start + dt.timedelta(seconds=rng.random() * span),
                        )
                    )
            Transfer.objects.bulk_create(transfers)
            InboundArrival.objects.bulk_create(arrivals)
            counts["transfers"] += len(transfers)
            counts["inbound"] += len(arrivals)
    return counts


def _close_days(anchor: dt.date, days: int) -> list[float]:
    from hongyixing.reports.services import do_close_day

    seconds = []
    for offset in range(days - 1, 0, -1):
        t = time.perf_counter()
        do_close_day(anchor - dt.timedelta(days=offset), now=anchor_now(anchor))
        seconds.append(round(time.perf_counter() - t, 2))
    return seconds
