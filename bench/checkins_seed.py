"""Seeding for W2 (run in a child with DJANGO_SETTINGS_MODULE set): the demo district, one active
measure per person with the grid worker on its team, 30 days × 2 checks per measure, and an API token
per grid worker. Set-based SQL (bench code, not product code): the product's `_open` would take hours
for 285,000 measures. Idempotent: each stage is skipped when its rows are there.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

CHECK_DAYS = 30


def _say(message: str) -> None:
    print(message, flush=True)


def seed(persons: int, state_file: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from hongyixing.people.models import Person

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not Person.objects.exists():
        from hongyixing.demo.generator import seed_district

        seed_district(persons, 2020)
        _say(f"  district seeded ({time.perf_counter() - started:.0f} s)")
    state: dict[str, Any] = json.loads(state_file.read_text()) if state_file.exists() else {}
    seed_day = dt.date.fromisoformat(state["seed_day"]) if "seed_day" in state else timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM control_measure")
        if cursor.fetchone()[0] == 0:
            _open_measures(cursor, seed_day)
            _say(f"  measures and teams written ({time.perf_counter() - started:.0f} s)")
        cursor.execute("SELECT count(*) FROM control_healthcheck")
        if cursor.fetchone()[0] == 0:
            _write_checks(cursor, seed_day)
            _say(f"  checks written ({time.perf_counter() - started:.0f} s)")
            cursor.execute("SELECT coalesce(max(id), 0) FROM control_healthcheck")
            state["seed_max_check_id"] = cursor.fetchone()[0]
    if "tokens" not in state:
        state["tokens"] = _issue_tokens()
        _say(f"  {len(state['tokens'])} grid-worker tokens issued")
    state["seed_day"] = seed_day.isoformat()
    state_file.write_text(json.dumps(state))
    return state


def _open_measures(cursor: Any, seed_day: dt.date) -> None:
    """One active home-monitoring measure per person with a grid, started 30 days before the seed
    day and running well past it (so the cached database stays usable for months of runs), and the
    grid's worker on each team."""
    from hongyixing.rules.services import measure_rule

    start = seed_day - dt.timedelta(days=CHECK_DAYS)
    end = seed_day + dt.timedelta(days=180)
    rule = measure_rule("home_monitoring", "general", start)
    cursor.execute(
        """
        INSERT INTO control_measure (person_id, type, category, source, reason, rule_id, follow_on,
            start_date, period_days, extension_days, test_days, end_date, state, unit_path, grid_id,
            household_id, opened_at, close_reason, suitability, notice_signed_by, transfer_out_to,
            transfer_out_state, version)
        SELECT id, 'home_monitoring', 'general', 'manual', 'W2 bench', %s, false, %s, %s, 0, '[]'::jsonb,
            %s, 'active', unit_path, grid_id, household_id, now(), '', '{}'::jsonb, '', '', '', 1
        FROM people_person WHERE grid_id IS NOT NULL ORDER BY unit_path, household_id, id
        """,
        [rule.pk, start, (end - start).days, end],
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
        """
    )


def _write_checks(cursor: Any, seed_day: dt.date) -> None:
    """30 days × morning and evening for every measure, one day at a time (time-ordered like the
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
        for offset in range(CHECK_DAYS, 0, -1):
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
                ORDER BY s.slot DESC, m.id
                """,
                [day, day],
            )
    finally:
        cursor.execute("SET session_replication_role = DEFAULT")
    cursor.execute("SET maintenance_work_mem = '512MB'")
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE control_healthcheck ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        cursor.execute(definition)
    cursor.execute("VACUUM (ANALYZE) control_healthcheck")
    cursor.execute("ANALYZE")


def _issue_tokens() -> dict[str, dict[str, Any]]:
    """A token per grid worker (through the service), with the measures of that worker's grid."""
    from django.db import connection

    from hongyixing.accounts.models import Grant
    from hongyixing.accounts.services import do_issue_token

    tokens: dict[str, dict[str, Any]] = {}
    grants = Grant.objects.filter(role="grid_worker", grid__isnull=False).select_related("user")
    by_grid: dict[int, Any] = {}
    for grant in grants.order_by("grid_id", "id"):
        by_grid.setdefault(grant.grid_id, grant.user)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT grid_id, array_agg(id ORDER BY id) FROM control_measure WHERE state = 'active' "
            "GROUP BY grid_id"
        )
        measures = dict(cursor.fetchall())
    for grid_id, user in by_grid.items():
        if not measures.get(grid_id):
            continue
        _token, key = do_issue_token(user, "W2 bench")
        tokens[key] = {"user_id": user.pk, "grid_id": grid_id, "measures": measures[grid_id]}
    return tokens
