"""A bench dataset's own state record, kept in the bench database itself (table ``bench_state``).

Each seeding stage runs in one transaction that also records the stage in this record, so a stage is
either fully there and recorded or absent and not recorded: seeding is keyed on what the bench wrote,
never on "is this table empty" (the demo generator writes rows of its own into the same tables).
Run in a child process with DJANGO_SETTINGS_MODULE and the database set.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _say(message: str) -> None:
    print(message, flush=True)


def setup() -> None:
    """django.setup(), migrate, and the state table."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_state (id integer PRIMARY KEY, body text NOT NULL)")


def load() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM bench_state WHERE id = 1")
        row = cursor.fetchone()
    state: dict[str, Any] = json.loads(row[0]) if row else {}
    state.setdefault("stages", {})
    return state


def save(state: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_state WHERE id = 1")
        cursor.execute("INSERT INTO bench_state (id, body) VALUES (1, %s)", [json.dumps(state)])


@contextmanager
def stage(state: dict[str, Any], name: str) -> Iterator[None]:
    """Run the body and record ``name`` (with its seconds) in one transaction."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        yield
        state["stages"][name] = round(time.perf_counter() - started, 1)
        save(state)
    _say(f"  stage {name}: {state['stages'][name]} s")


def district(persons: int, seed: int = 2020) -> dict[str, Any]:
    """The demo district (``seed_district``) once per dataset; returns the state record."""
    setup()
    state = load()
    if "district" not in state["stages"]:
        from hongyixing.demo.generator import seed_district

        with stage(state, "district"):
            state["district"] = seed_district(persons, seed)
    return state
