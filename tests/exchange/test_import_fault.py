"""A worker SIGKILLed in the middle of a register (residents) import leaves nothing half-written, and
the same file then goes in whole.

The import runs in a real child process against the test database (an in-memory SQLite test database
is copied to a file first, as in tests/control/test_fault_tolerance.py). The child stops itself inside
the import's transaction — after the households were bulk-written, or after the persons too — writes
a marker file with what it sees inside its transaction, and blocks; the parent polls for the marker
(bounded only against a hung run), then kills the child's whole process group.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from hongyixing.people import idnumbers
from tests.control.test_fault_tolerance import UPPER_BOUND, _server_database, wait_for
from tests.exchange.test_master_imports import RESIDENTS_HEADER, _resident
from tests.personas import build_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROWS = 100
PER_HOUSEHOLD = 4
RELATIONS = ("户主", "配偶", "长子", "长女")
TABLES = (
    "people_person",
    "people_personphone",
    "areas_household",
    "core_changelog",
    "core_domainevent",
)

CHILD = r"""
import json, os, sys
import django
django.setup()
from hongyixing.accounts.admin_services import import_context
from hongyixing.areas.models import AdminUnit, Grid, Household
from hongyixing.core import audit
from hongyixing.core.models import ChangeLog
from hongyixing.exchange.importer import run_import
from hongyixing.people.counts import raw_counts
from hongyixing.people.models import Person

stop_at, marker = os.environ.get("STOP_AT", ""), os.environ.get("MARKER", "")

if stop_at:
    def stop_here():
        seen = {"persons": Person.objects.count(), "households": Household.objects.count(),
                "changelog": ChangeLog.objects.count()}
        with open(marker + ".part", "w") as out:
            json.dump(seen, out)
        os.replace(marker + ".part", marker)  # the parent never reads half a marker
        sys.stdin.readline()  # blocks inside the open transaction until the parent kills us

    original = audit.log_bulk_create
    def log_then_stop(*args, **kwargs):
        result = original(*args, **kwargs)
        written = args[1] if len(args) > 1 else []
        if written and type(written[0]).__name__ == stop_at:
            stop_here()
        return result
    audit.log_bulk_create = log_then_stop
    # The persons' bulk path logs from values (``log_bulk_create_values``), named by object type.
    original_values = audit.log_bulk_create_values
    def log_values_then_stop(user, object_type, rows):
        result = original_values(user, object_type, rows)
        if object_type == "people." + stop_at.lower():
            stop_here()
        return result
    audit.log_bulk_create_values = log_values_then_stop

context = import_context(None)
report = run_import("residents", open(sys.argv[1], "rb").read(), "实有人口.csv", context, dry_run=False)
raw = raw_counts()
wrong = [u.path for u in AdminUnit.objects.all()
         if (u.person_count, u.household_count)
         != (raw.unit_persons.get(u.path, 0), raw.unit_households.get(u.path, 0))]
wrong += [f"grid {g.pk}" for g in Grid.objects.all()
          if (g.person_count, g.household_count)
          != (raw.grid_persons.get(g.pk, 0), raw.grid_households.get(g.pk, 0))]
wrong += [f"household {h.pk}" for h in Household.objects.all() if h.person_count != h.members.count()]
print(json.dumps({"applied": report.applied, "counts": report.counts, "errors": report.error_lines(),
                  "wrong_counters": wrong}), flush=True)
"""


def _register(path: Path) -> None:
    """A register of ROWS residents in ROWS / PER_HOUSEHOLD households, each with a phone."""
    lines = [",".join(RESIDENTS_HEADER)]
    for n in range(ROWS):
        number = idnumbers.make("320829", dt.date(1950 + n % 40, 1 + n % 12, 1 + n % 28), 301 + 2 * n)
        household = f"HF-{n // PER_HOUSEHOLD:03d}"
        row = _resident(f"住户{n}", number, household, RELATIONS[n % PER_HOUSEHOLD], f"1391234{n:04d}")
        lines.append(",".join(row))
    path.write_bytes("\n".join(lines).encode("utf-8-sig"))


def _counter(database_url: str):
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")

        def count(table: str) -> int:
            with sqlite3.connect(path) as conn:
                (n,) = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # noqa: S608 (fixed names)
            conn.close()
            return int(n)

        return count

    def count_pg(table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (fixed names)
            return int(cursor.fetchone()[0])

    return count_pg


def _child(database_url: str, register: Path, stop_at: str = "", marker: Path | None = None):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HONGYIXING_HOME": str(settings.VAR_DIR),
        "DJANGO_SETTINGS_MODULE": "hongyixing.settings",
        "STOP_AT": stop_at,
        "MARKER": str(marker or ""),
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(register)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


@pytest.mark.parametrize("stop_at", ["Household", "Person"])
def test_a_killed_register_import_leaves_nothing_and_runs_again_whole(tmp_path: Path, stop_at: str) -> None:
    build_world(push_list=False)
    register = tmp_path / "register.csv"
    _register(register)
    database_url, _ = _server_database(tmp_path)
    count = _counter(database_url)
    before = {table: count(table) for table in TABLES}
    var_before = _files(Path(settings.VAR_DIR))

    marker = tmp_path / "inside-transaction.json"
    child = _child(database_url, register, stop_at, marker)
    try:
        wait_for(lambda: marker.exists() or child.poll() is not None, "the child inside the import")
        assert marker.exists(), child.communicate(timeout=UPPER_BOUND)
        seen = json.loads(marker.read_text())
        households = ROWS // PER_HOUSEHOLD
        # Inside its transaction the child had written households (and persons), with change-log rows.
        assert seen["households"] == before["areas_household"] + households
        persons_written = ROWS if stop_at == "Person" else 0
        assert seen["persons"] == before["people_person"] + persons_written
        assert seen["changelog"] >= before["core_changelog"] + households + persons_written
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=UPPER_BOUND)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=UPPER_BOUND)
    assert child.returncode == -signal.SIGKILL
    assert {table: count(table) for table in TABLES} == before, "a killed import left rows behind"
    assert _files(Path(settings.VAR_DIR)) == var_before, "a killed import left files behind"

    again = _child(database_url, register)
    out, err = again.communicate(timeout=UPPER_BOUND)
    assert again.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [] and result["applied"], result
    assert result["counts"] == {"new": ROWS, "changed": 0, "unchanged": 0, "error": 0}
    assert result["wrong_counters"] == [], "counters differ from a recount of the raw rows"
    assert count("people_person") == before["people_person"] + ROWS
    assert count("people_personphone") == before["people_personphone"] + ROWS
    assert count("areas_household") == before["areas_household"] + ROWS // PER_HOUSEHOLD
    assert count("core_changelog") > before["core_changelog"] + ROWS
