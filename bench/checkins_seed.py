"""Seeding for W2 (run in a child with DJANGO_SETTINGS_MODULE set): the demo district, active
home-monitoring measures with the grid worker on each team, ``days`` × 2 checks per measure, and an
API token per grid worker. Set-based SQL (bench code, not product code): the product's `_open` would
take hours for 285,000 measures.

Variants: ``stress`` puts every person with a grid under a measure (W2's original load); ``realistic``
only ``REALISTIC_SHARE`` of them, as in a real outbreak (Hongze's cases put a few thousand of its
285,000 residents under home measures at a time). The demo's own scenario measures stay either way.

Each stage is keyed on the dataset's own state record (``bench/state.py``), written in the stage's
transaction: the demo generator's rows in the same tables never make a stage look done.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

CHECK_DAYS = 30
REALISTIC_SHARE = 0.03  # of persons with a grid, under a measure in the realistic variant
MARK = "W2 bench"


def _say(message: str) -> None:
    print(message, flush=True)


def seed(persons: int, state_file: Path, variant: str = "stress", days: int = CHECK_DAYS) -> dict[str, Any]:
    """Seed what is missing and write the state (tokens, seed day, last seeded check id) to
    ``state_file`` for the parent."""
    import json

    from django.db import connection
    from django.utils import timezone

    from bench import state as bench_state

    state = bench_state.district(persons)
    state.setdefault("seed_day", timezone.localdate().isoformat())
    seed_day = dt.date.fromisoformat(state["seed_day"])
    share = 1.0 if variant == "stress" else REALISTIC_SHARE
    with connection.cursor() as cursor:
        if "measures" not in state["stages"]:
            with bench_state.stage(state, "measures"):
                _open_measures(cursor, seed_day, share, days)
        if "checks" not in state["stages"]:
            started = time.perf_counter()
            with bench_state.stage(state, "checks"):
                _write_checks(cursor, seed_day, days)
                cursor.execute("SELECT coalesce(max(id), 0) FROM control_healthcheck")
                state["seed_max_check_id"] = cursor.fetchone()[0]
            cursor.execute("VACUUM (ANALYZE) control_healthcheck")
            cursor.execute("ANALYZE")
            _say(f"  checks analysed ({time.perf_counter() - started:.0f} s)")
        if "tokens" not in state["stages"]:
            with bench_state.stage(state, "tokens"):
                state["tokens"] = _issue_tokens()
            _say(f"  {len(state['tokens'])} grid-worker tokens issued")
    state_file.write_text(json.dumps(state))
    return state


def _open_measures(cursor: Any, seed_day: dt.date, share: float, days: int) -> None:
    """One active home-monitoring measure per chosen person with a grid (``share`` of them, picked by
    a hash of the id; none already under an active measure), started ``days`` before the seed day
    and running well past it (so the cached database stays usable for months of runs), and the
    grid's worker on each team."""
    from hongyixing.rules.services import measure_rule

    start = seed_day - dt.timedelta(days=days)
    end = seed_day + dt.timedelta(days=180)
    rule = measure_rule("home_monitoring", "general", start)
    cursor.execute(
        """
        INSERT INTO control_measure (person_id, type, category, source, reason, rule_id, follow_on,
            start_date, period_days, extension_days, test_days, end_date, state, unit_path, grid_id,
            household_id, opened_at, close_reason, suitability, notice_signed_by, transfer_out_to,
            transfer_out_state, version)
        SELECT id, 'home_monitoring', 'general', 'manual', %s, %s, false, %s, %s, 0, '[]'::jsonb,
            %s, 'active', unit_path, grid_id, household_id, now(), '', '{}'::jsonb, '', '', '', 1
        FROM people_person p WHERE grid_id IS NOT NULL AND (p.id * 7919) %% 10000 < %s
          AND NOT EXISTS (SELECT 1 FROM control_measure a WHERE a.person_id = p.id AND a.state = 'active')
        ORDER BY unit_path, household_id, id
        """,
        [MARK, rule.pk, start, (end - start).days, end, round(share * 10000)],
    )
    cursor.execute(
        """
        INSERT INTO control_teammember (measure_id, role, user_id, name, duty)
        SELECT m.id, 'grid_worker', w.user_id, w.username, ''
        FROM control_measure m
        JOIN (SELECT DISTINCT ON (g.grid_id) g.grid_id, g.user_id, u.username
              FROM accounts_grant g JOIN accounts_user u ON u.id = g.user_id
              WHERE g.role = 'grid_worker' AND g.grid_id IS NOT NULL ORDER BY g.grid_id, g.id) w
          ON w.grid_id = m.grid_id
        WHERE m.reason = %s
        """,
        [MARK],
    )


def _write_checks(cursor: Any, seed_day: dt.date, days: int, mark: str = MARK) -> None:
    """``days`` × morning and evening for every measure, one day at a time (time-ordered like the
    real table), with the secondary indexes dropped during the load and rebuilt after."""
    cursor.execute(
        """
        SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
        WHERE c.conrelid = 'control_healthcheck'::regclass AND c.contype = 'u'
        """
    )
    constraints = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE control_healthcheck DROP CONSTRAINT "{name}"')
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = 'control_healthcheck' AND i.indexname NOT IN (
            SELECT conname FROM pg_constraint WHERE conrelid = 'control_healthcheck'::regclass)
        """
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    # Rows come from a join over existing measures: the foreign keys hold by construction, and the
    # deferred FK triggers would queue millions of events.
    cursor.execute("SET session_replication_role = replica")
    try:
        for offset in range(days, 0, -1):
            day = seed_day - dt.timedelta(days=offset)
            cursor.execute(
                """
                INSERT INTO control_healthcheck (client_id, measure_id, person_id, unit_path, grid_id, day,
                    slot, temperature, symptoms, abnormal, source, recorded_by_id, recorded_at)
                SELECT gen_random_uuid(), m.id, m.person_id, m.unit_path, m.grid_id, %s::date, s.slot,
                    round((36.0 + random() * 0.9)::numeric, 1), '', false, 'team', t.user_id,
                    (%s::date + s.at) AT TIME ZONE 'Asia/Shanghai' + random() * interval '90 minutes'
                FROM (VALUES ('m', time '08:00'), ('e', time '19:00')) AS s(slot, at)
                CROSS JOIN control_measure m
                LEFT JOIN control_teammember t ON t.measure_id = m.id AND t.role = 'grid_worker'
                WHERE m.reason = %s
                ORDER BY s.slot DESC, m.id
                """,
                [day, day, mark],
            )
    finally:
        cursor.execute("SET session_replication_role = DEFAULT")
    cursor.execute("SET maintenance_work_mem = '512MB'")
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE control_healthcheck ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        cursor.execute(definition)


def _issue_tokens() -> dict[str, dict[str, Any]]:
    """A token per grid worker (through the service), with the measures of that worker's grid."""
    from django.db import connection

    from hongyixing.accounts.models import Grant
    from hongyixing.accounts.services import do_issue_token

    tokens: dict[str, dict[str, Any]] = {}
    grants = Grant.objects.filter(role="grid_worker", grid__isnull=False).select_related("user")
    by_grid: dict[int, Any] = {}
    for grant in grants.order_by("grid_id", "id"):
        if grant.grid_id is not None:  # the filter's, said again for the type checker
            by_grid.setdefault(grant.grid_id, grant.user)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT grid_id, array_agg(id ORDER BY id) FROM control_measure WHERE state = 'active' "
            "AND reason = %s GROUP BY grid_id",
            [MARK],
        )
        measures = dict(cursor.fetchall())
    for grid_id, user in by_grid.items():
        if not measures.get(grid_id):
            continue
        _token, key = do_issue_token(user, "W2 bench")
        tokens[key] = {"user_id": user.pk, "grid_id": grid_id, "measures": measures[grid_id]}
    return tokens
