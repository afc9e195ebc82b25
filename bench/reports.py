"""W3: the district daily report and the dashboard, against a direct GROUP BY over the raw rows.

Dataset (``bench/reports_seed.py``; cached: ``var/bench/reports-<db>-<persons>/`` and, for PostgreSQL,
``hongyixing_bench_w3``): the demo district's 285,000 persons, W2's stress variant (everyone with a grid
under one home-monitoring measure, 30 days × 2 checks ≈ 17 M rows, plus the live day's morning checks),
~100k verification tasks over 30 days in 10 push batches a day, ~1,500 samples a day, 20 transfers and
10 inbound arrivals a day, and the 29 finished days closed (DailyStat). The clock of every child is
frozen to the dataset's live day at 10:00 (before the 16:00 cut-off).

Measured in child processes with Django's test Client, logged in as the district office user
(force_login + the second-factor session flag, as tests/personas.login does):
- the district daily report for the last finished day (closed: read from DailyStat) and for the live
  day (counted from the records), as ``build_report`` and as the page GET; cold = a new process and
  connection, first call (the OS page cache is not dropped); hot = median/p95 of repeated calls;
- the dashboard GET and the drill-down pages (p95), including the work lists (``core.lists``) with a
  filter and a sort: a town's active measures by name, no check today, ending soon, tests due today,
  every alert newest first, closed transfers, overdue desk tasks by name, a village's closed tasks, and
  the command supervision list;
- the baseline: one GROUP BY per table over the raw rows of the window, grouped by village, giving
  the headline figures (tasks received/open/overdue, under measure, checks/abnormal, sampled/positive,
  open transfer loops); ratio = ours / baseline (medians).

Targets (issue 5): district daily report ≤ 1 s hot, ≤ 3 s cold; dashboard and drill-downs p95 ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from typing import Any

from bench.common import Cache, code_version, emit, run_child, target

SEED_CODE = """
import datetime as dt, os, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
from pathlib import Path
from bench.reports_seed import seed
t = time.perf_counter()
state = seed({persons}, Path({state!r}), dt.date.fromisoformat({day!r}), variant={variant!r}, days={days})
print("SEED_SECONDS", round(time.perf_counter() - t, 1))
from django.db import connection
if connection.vendor == "postgresql":
    # The visibility map and statistics a running server's autovacuum keeps (the bench server may run
    # without it): the seed's bulk updates leave the tables unvacuumed, and index-only scans then read
    # every heap page. A no-op once done (the cache keeps it).
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print("VACUUM_SECONDS", round(time.perf_counter() - t, 1))
"""

PRELUDE = r"""
import datetime as dt, json, os, statistics, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
from bench.reports_seed import anchor_now, freeze
DAY = dt.date.fromisoformat({day!r})
freeze(anchor_now(DAY))
import django
django.setup()
from django.conf import settings
settings.ALLOWED_HOSTS = ["testserver"]
from django.db import connection
from django.test import Client
from hongyixing.accounts.middleware import SESSION_SECOND_FACTOR
from hongyixing.accounts.models import User
from hongyixing.areas.models import AdminUnit
from hongyixing.reports import metrics, queries
CLOSED = DAY - dt.timedelta(days=1)
user = User.objects.get(username="district")
client = Client()
client.force_login(user)
session = client.session
session[SESSION_SECOND_FACTOR] = True
session.save()
district = AdminUnit.objects.get(path="320813")
town = queries.child_units(district)[0]
village = queries.child_units(town)[0]

def get(url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response

def clock(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000

def report_url(unit, day):
    return f"/dashboard/daily/{{unit.path}}/?day={{day.isoformat()}}"
"""

COLD_CODE = (
    PRELUDE
    + r"""
which = {which!r}
calls = {{
    "build_closed": lambda: queries.build_report(user, district, CLOSED),
    "page_closed": lambda: get(report_url(district, CLOSED)),
    "build_live": lambda: queries.build_report(user, district, DAY),
    "page_live": lambda: get(report_url(district, DAY)),
    "dashboard": lambda: get("/dashboard/"),
}}
print("RESULT " + json.dumps({{"ms": round(clock(calls[which]), 1)}}))
"""
)

HOT_CODE = (
    PRELUDE
    + r"""
REPEAT, BUDGET = {repeat}, {budget}

def series(fn, repeat=REPEAT, warmup=1):
    for _ in range(warmup):
        fn()
    samples, started = [], time.perf_counter()
    while len(samples) < repeat and (len(samples) < 3 or time.perf_counter() - started < BUDGET):
        samples.append(clock(fn))
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {{"n": len(samples), "p50_ms": round(statistics.median(samples), 1), "p95_ms": round(p95, 1)}}

V = "substr(unit_path, 1, 12)"
def baseline(day):
    start, end = metrics.window(day)
    s, e = connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)
    out = {{}}
    def add(sql, params, names):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                for name, value in zip(names, row[1:]):
                    out[name] = out.get(name, 0) + int(value or 0)
    T = "verification_verificationtask"
    add(f"SELECT {{V}}, count(*) FROM {{T}} WHERE created_at > %s AND created_at <= %s GROUP BY 1",
        [s, e], ["tasks_received"])
    add(f"SELECT {{V}}, count(*), sum(CASE WHEN deadline < %s THEN 1 ELSE 0 END) FROM {{T}} "
        "WHERE created_at <= %s AND (submitted_at IS NULL OR submitted_at > %s) "
        "AND state NOT IN ('forwarded', 'forwarded_out') GROUP BY 1",
        [e, e, e], ["tasks_open", "tasks_overdue"])
    add(f"SELECT {{V}}, count(*) FROM control_measure WHERE opened_at <= %s "
        "AND (closed_at IS NULL OR closed_at > %s) GROUP BY 1", [e, e], ["sum:active"])
    add(f"SELECT {{V}}, count(*), sum(CASE WHEN abnormal THEN 1 ELSE 0 END) FROM control_healthcheck "
        "WHERE recorded_at > %s AND recorded_at <= %s GROUP BY 1", [s, e], ["checks", "abnormal"])
    add(f"SELECT {{V}}, sum(CASE WHEN sampled_at > %s AND sampled_at <= %s THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'positive' AND result_at > %s AND result_at <= %s THEN 1 ELSE 0 END) "
        "FROM control_sample WHERE (sampled_at > %s AND sampled_at <= %s) "
        "OR (result_at > %s AND result_at <= %s) GROUP BY 1",
        [s, e, s, e, s, e, s, e], ["sampled", "positive"])
    add(f"SELECT {{V}}, count(*) FROM control_transfer WHERE picked_up_at <= %s "
        "AND (handed_over_at IS NULL OR handed_over_at > %s) GROUP BY 1", [e, e], ["open_loops"])
    return out

from hongyixing.reports import sections
def agree(day):
    ours = queries.build_report(user, district, day).totals
    raw = baseline(day)
    return {{k: [sections.value(ours, k), v] for k, v in raw.items() if sections.value(ours, k) != v}}

results = {{
    "repeat": REPEAT,
    "budget_s": BUDGET,
    "mismatch_closed": agree(CLOSED),
    "mismatch_live": agree(DAY),
    "build_closed": series(lambda: queries.build_report(user, district, CLOSED)),
    "page_closed": series(lambda: get(report_url(district, CLOSED))),
    "baseline_closed": series(lambda: baseline(CLOSED)),
    "build_live": series(lambda: queries.build_report(user, district, DAY)),
    "page_live": series(lambda: get(report_url(district, DAY))),
    "baseline_live": series(lambda: baseline(DAY)),
    "compute_live_uncached": series(lambda: metrics.compute(DAY)),
    "dashboard": series(lambda: get("/dashboard/")),
    "drill": {{
        "town_report_closed": series(lambda: get(report_url(town, CLOSED))),
        "town_report_live": series(lambda: get(report_url(town, DAY))),
        "control_active": series(lambda: get("/control/?state=active")),
        "control_alerts": series(lambda: get("/control/alerts/")),
        "verification_desk": series(lambda: get("/verification/desk/")),
        "verification_supervision": series(lambda: get("/verification/supervision/")),
        "control_transfers": series(lambda: get("/control/transfers/")),
        # The work lists (core.lists) with a filter and a sort, as users narrow them.
        "control_active_town_by_name": series(
            lambda: get(f"/control/?state=active&town={{town.path}}&sort=name")),
        "control_missing_checks_today": series(lambda: get("/control/?missing=1")),
        "control_ending_soon_newest": series(lambda: get("/control/?ending=1&sort=start")),
        "control_tests_due_today_by_name": series(lambda: get("/control/tests/?due=today&sort=name")),
        "control_alerts_all_newest": series(lambda: get("/control/alerts/?state=&sort=newest")),
        "control_transfers_closed_newest": series(
            lambda: get("/control/transfers/?state=closed&sort=newest")),
        "verification_desk_overdue_by_name": series(lambda: get("/verification/desk/?overdue=1&sort=name")),
        "verification_desk_village_closed_newest": series(
            lambda: get(f"/verification/desk/?village={{village.path}}&state=closed&sort=received")),
        "command_supervision": series(lambda: get("/command/supervision/")),
    }},
}}
print("RESULT " + json.dumps(results))
"""
)

COLD_CALLS = ["build_closed", "page_closed", "build_live", "page_live", "dashboard"]


def _result(out: str) -> dict[str, Any]:
    return dict(json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT "))))


def _measure(
    database: str, persons: int, repeat: int, budget: float, variant: str, days: int, smoke: bool
) -> dict[str, Any]:
    version = code_version(
        "bench/state.py",
        "bench/checkins_seed.py",
        "bench/reports_seed.py",
        persons=persons,
        variant=variant,
        days=days,
    )
    cache = Cache(f"w3-{variant}-{persons}", database, version, smoke=smoke)
    try:
        return _measure_in(cache, persons, repeat, budget, variant, days, smoke)
    finally:
        cache.close()


def _measure_in(
    cache: Cache, persons: int, repeat: int, budget: float, variant: str, days: int, smoke: bool
) -> dict[str, Any]:
    env, home, database = cache.env, cache.home, cache.database
    # The dataset's live day is chosen when the cache is built and kept with it.
    day_file = home / "day"
    if not day_file.exists():
        day_file.write_text(dt.date.today().isoformat())
    day = day_file.read_text().strip()
    seed_code = SEED_CODE.format(
        persons=persons, state=str(home / "state.json"), day=day, variant=variant, days=days
    )
    wall, _rss, out = run_child(seed_code, env)
    state = json.loads((home / "state.json").read_text())
    print(f"{database} {persons:,} ({variant}): dataset ready in {wall:.0f} s; stages {state['stages']}")
    print(f"  rows: {state['counts']}")
    cold: dict[str, float] = {}
    for which in COLD_CALLS[:1] if smoke else COLD_CALLS:
        _w, _r, out = run_child(COLD_CODE.format(day=day, which=which), env)
        cold[which] = _result(out)["ms"]
    print(f"  cold (new process + connection, first call) ms: {cold}")
    started = time.perf_counter()
    _w, rss, out = run_child(HOT_CODE.format(day=day, repeat=repeat, budget=budget), env)
    hot = _result(out)
    print(f"  hot run {time.perf_counter() - started:.0f} s, peak RSS {rss / 2**20:.0f} MiB")
    for key in (
        "build_closed",
        "page_closed",
        "baseline_closed",
        "build_live",
        "page_live",
        "baseline_live",
        "compute_live_uncached",
    ):
        print(f"  {key:>16}: {hot[key]}")
    print(f"  {'dashboard':>16}: {hot['dashboard']}")
    for key, value in hot["drill"].items():
        print(f"  {key:>26}: {value}")
    print(f"  ours vs raw recount, mismatches: closed {hot['mismatch_closed']}, live {hot['mismatch_live']}")
    return {
        "day": day,
        "variant": variant,
        "rows": state["counts"],
        "seed_stage_seconds": state["stages"],
        "close_day_seconds": state.get("close_seconds"),
        "cold_ms": cold,
        **hot,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench reports")
    parser.add_argument("--persons", default="285000", help="comma-separated scales")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=40.0, help="seconds per series (at least 3 calls)")
    parser.add_argument(
        "--variant",
        choices=["stress", "realistic"],
        default="stress",
        help="stress: everyone with a grid under a measure; realistic: 3 %% of them",
    )
    parser.add_argument("--days", type=int, default=30, help="days of history (closed: all but the live one)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="1,000 persons, 3 days, 3 calls, one cold call, throwaway database",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons, args.days, args.repeat, args.budget = "1000", 3, 3, 5.0
    print(f"cores: {os.cpu_count()} (shared with other work); loopback only, Django test Client in a child")
    metrics: dict[str, Any] = {}
    baselines: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for database in args.databases.split(","):
        for persons in (int(p) for p in args.persons.split(",")):
            key = f"{database}_{persons}"
            r = _measure(database, persons, args.repeat, args.budget, args.variant, args.days, args.smoke)
            metrics[key] = r
            baselines[key] = {
                "raw_group_by_closed_p50_ms": r["baseline_closed"]["p50_ms"],
                "raw_group_by_live_p50_ms": r["baseline_live"]["p50_ms"],
                "ratio_build_closed": round(r["build_closed"]["p50_ms"] / r["baseline_closed"]["p50_ms"], 3),
                "ratio_build_live": round(r["build_live"]["p50_ms"] / r["baseline_live"]["p50_ms"], 3),
                "ratio_dashboard": round(r["dashboard"]["p50_ms"] / r["baseline_live"]["p50_ms"], 3),
                "ratio_compute_live_uncached": round(
                    r["compute_live_uncached"]["p50_ms"] / r["baseline_live"]["p50_ms"], 3
                ),
            }
            for kind in ("closed", "live"):
                hot = max(r[f"build_{kind}"]["p50_ms"], r[f"page_{kind}"]["p50_ms"])
                cold = max(r["cold_ms"].get(f"build_{kind}", 0), r["cold_ms"].get(f"page_{kind}", 0))
                targets[f"{key}_district_report_{kind}_hot_s"] = target(hot / 1000, 1)
                targets[f"{key}_district_report_{kind}_cold_s"] = target(cold / 1000, 3)
            targets[f"{key}_dashboard_p95_ms"] = target(r["dashboard"]["p95_ms"], 200)
            worst = max(r["drill"].items(), key=lambda kv: kv[1]["p95_ms"])
            targets[f"{key}_drilldown_worst_p95_ms"] = target(worst[1]["p95_ms"], 200) | {"page": worst[0]}
            targets[f"{key}_counts_agree_with_raw"] = {
                "met": not r["mismatch_closed"] and not r["mismatch_live"]
            }
    for name, t in targets.items():
        print(
            f"  {'met   ' if t['met'] else 'MISSED'} {name}: {t.get('value', '')} (≤ {t.get('target', '')})"
        )
    emit("reports", metrics, baselines, targets)
