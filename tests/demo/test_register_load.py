"""The demo register loaded by worker processes gives the district one process gives, id for id.

Each seed runs as a child (``python -c``) on a database of its own that other processes can open —
a SQLite file, or on PostgreSQL (when ``DATABASE_URL`` names one) a scratch database — because the
suite's own test database sits inside a transaction, where the seed loads the register itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
ADMIN_URL = DATABASE_URL.rsplit("/", 1)[0] + "/postgres" if POSTGRES else ""

# Seeds 1,200 persons in slices of ~100 rows (12 imports): on PostgreSQL the economy starts beside the
# register once its 800 persons are in. "broken" blanks the names of household 100's members: its
# slice (the third) is refused, so the two slices before it are all that is written.
CHILD = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from hongyixing.demo import files, generator
workers, broken = int(sys.argv[1]), sys.argv[2] == "broken"
if sys.argv[2] == "economy_fails":
    def seed_economy(seed):
        raise RuntimeError("the economy broke")
    generator.seed_economy = seed_economy
if broken:
    real = files.resident_rows
    def resident_rows(plan, drafts):
        for number, rows in enumerate(real(plan, drafts)):
            yield [["", *row[1:]] for row in rows] if number == 100 else rows
    files.resident_rows = resident_rows
loaded = []
real_load_register = generator.load_register
def load_register(*args, **kwargs):
    loaded.append(real_load_register(*args, **kwargs))
    return loaded[-1]
generator.load_register = load_register
try:
    generator.seed_district(1200, 7, workers=workers, register_slice=100)
    outcome = "seeded"
except RuntimeError as error:
    outcome = str(error)
tables = {
    "persons": "SELECT id, document_masked, birth_date, household_id, unit_path, grid_id, name"
    " FROM people_person",
    "households": "SELECT id, number, unit_path, grid_id, person_count FROM areas_household",
    "phones": 'SELECT id, person_id, masked, kind, is_primary FROM people_personphone',
    "units": "SELECT path, person_count, household_count FROM areas_adminunit",
    "enterprises": "SELECT id, name, credit_code, unit_path, staff_count FROM enterprises_enterprise",
    "filings": "SELECT id, enterprise_id, state, resumption_date FROM enterprises_filing",
    "employees": "SELECT id, enterprise_id, person_id, task_id, risky FROM enterprises_employee",
    "tasks": "SELECT id, person_id, grid_id, state, category FROM verification_verificationtask",
    # In the order written (their ids interleave with the register's when written beside it).
    "economy_log": "SELECT object_type, object_id, action, object_repr FROM core_changelog"
    " WHERE object_type LIKE 'enterprises.%' OR object_type LIKE 'projects.%' ORDER BY id",
}
result = {
    "outcome": outcome,
    "workers": loaded[0].workers if loaded else None,
    "overlapped": loaded[0].overlapped if loaded else None,
}
with connection.cursor() as cursor:
    for name, sql in tables.items():
        cursor.execute(sql if "ORDER BY" in sql else sql + " ORDER BY 1")
        result[name] = [list(row) for row in cursor.fetchall()]
    cursor.execute("SELECT COUNT(*) FROM core_changelog WHERE object_type = 'people.person'")
    result["person_log"] = cursor.fetchone()[0]
    cursor.execute("SELECT COUNT(*) FROM control_measure")
    result["measures"] = cursor.fetchone()[0]
print("RESULT", json.dumps(result, default=str))
"""


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[list[dict[str, str]]]:
    """Five throwaway databases, each as the environment of the child that seeds it."""
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), base.get("PYTHONPATH", "")])
    envs = [{**base, "HONGYIXING_HOME": str(tmp_path / f"home{n}")} for n in range(5)]
    names = [f"hy_register_{os.getpid()}_{n}" for n in range(5)]
    if POSTGRES:
        import psycopg

        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            for env, name in zip(envs, names, strict=True):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(
                    f'CREATE DATABASE "{name}" TEMPLATE template0 LC_COLLATE "C.UTF-8" LC_CTYPE "C.UTF-8"'
                )
                env["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield envs
    finally:
        if POSTGRES:
            import psycopg

            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                for name in names:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed_all(runs: list[tuple[dict[str, str], int, str]]) -> list[dict]:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(workers), mode],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for env, workers, mode in runs
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err[-3000:]
        line = next(line for line in out.splitlines() if line.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    return results


def test_workers_write_the_same_register_as_one_process(databases: list[dict[str, str]]) -> None:
    runs = [(databases[0], 1, "whole"), (databases[1], 2, "whole")]
    runs += [(databases[2], 1, "broken"), (databases[3], 2, "broken"), (databases[4], 2, "economy_fails")]
    one, two, broken_one, broken_two, economy_fails = _seed_all(runs)
    assert one["outcome"] == two["outcome"] == "seeded"
    assert (one["workers"], two["workers"]) == (0, 2)  # the second really went through the workers
    # On PostgreSQL the economy was written beside the register's later slices, and wrote the same.
    assert (one["overlapped"], two["overlapped"]) == (False, POSTGRES)
    assert len(one["persons"]) >= 1200
    assert len(one["enterprises"]) == 300 and any(employee[3] for employee in one["employees"])
    economy = ("enterprises", "filings", "employees", "tasks", "economy_log")
    for table in ("persons", "households", "phones", "units", "person_log", *economy):
        assert two[table] == one[table], table

    # A slice in error: refused, and no later slice written, whichever way the register was loaded.
    assert broken_one["outcome"] != "seeded"
    assert broken_two["outcome"] != "seeded"
    assert "residents" in broken_two["outcome"]
    assert broken_two["persons"] == broken_one["persons"]
    written = broken_two["persons"]
    assert 0 < len(written) < len(one["persons"])
    assert written == one["persons"][: len(written)]  # the slices before the bad one, as in a whole seed
    assert all(person[6] for person in written)  # none of the blanked rows got in

    # The economy in error fails the seed, beside the register or after it: no later scenario runs.
    assert economy_fails["outcome"] in ("the economy broke", "the work beside the register failed")
    assert economy_fails["measures"] == 0
