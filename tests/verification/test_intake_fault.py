"""A process SIGKILLed in the middle of a push-list intake leaves nothing half-written, and the same
file then goes in cleanly (not refused as a duplicate, every row once).

The intake runs in a real child process against the test database (an in-memory SQLite test
database is copied to a file first, as in tests/control/test_fault_tolerance.py). The child stops
itself at the chosen point inside the intake's transaction — after the batch row, or after the rows
and tasks were bulk-written — and says so; the parent then kills it. Event-driven: no sleeps.
"""

from __future__ import annotations

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
from tests.control.test_fault_tolerance import UPPER_BOUND, _server_database
from tests.personas import build_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROWS = 120
TABLES = ("verification_pushbatch", "verification_pushrow", "verification_verificationtask", "core_changelog")

CHILD = r"""
import os, sys
import django
django.setup()
from hongyixing.accounts.models import User
from hongyixing.verification.models import PushSource, PushBatch
from hongyixing.core import audit
from hongyixing.verification import intake

stop_at = os.environ.get("STOP_AT", "")

def stop(where):
    print(f"stopped:{where}", flush=True)
    sys.stdin.readline()  # blocks inside the open transaction until the parent kills us

if stop_at == "batch":
    from django.db.models.signals import post_save
    post_save.connect(lambda sender, **kw: stop("batch"), sender=PushBatch, weak=False)
elif stop_at == "rows":
    original = audit.log_bulk_create
    def log_then_stop(*args, **kwargs):
        result = original(*args, **kwargs)
        if args and args[1] and args[1][0].__class__.__name__ == "PushRow":
            stop("rows")
        return result
    audit.log_bulk_create = log_then_stop  # looked up on core.audit by every writer

actor = User.objects.get(username="district")
source = PushSource.objects.get(code="province-big-data")
data = open(sys.argv[1], "rb").read()
result = intake.intake_file(actor, source, data, "第9批.csv", category="general")
print(f"done:{result.batch.pk}:{result.duplicate}:{result.batch.rows.count()}", flush=True)
"""


def _push_list(path: Path) -> None:
    lines = ["序号,姓名,身份证号码,联系电话,现住址"]
    for n in range(ROWS):
        number = idnumbers.make("320829", idnumbers.EARLIEST_BIRTH.replace(year=1970 + n % 40), n)
        lines.append(f"{n + 1},测试{n},{number},1391234{n:04d},高良涧街道临河社区{n}号")
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


def _child(database_url: str, stop_at: str, list_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HONGYIXING_HOME": str(settings.VAR_DIR),
        "DJANGO_SETTINGS_MODULE": "hongyixing.settings",
        "STOP_AT": stop_at,
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(list_path)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.parametrize("stop_at", ["batch", "rows"])
def test_a_killed_intake_leaves_nothing_and_runs_again_cleanly(tmp_path: Path, stop_at: str) -> None:
    build_world(push_list=False)
    list_path = tmp_path / "list.csv"
    _push_list(list_path)
    database_url, _ = _server_database(tmp_path)
    count = _counter(database_url)
    before = {table: count(table) for table in TABLES}

    child = _child(database_url, stop_at, list_path)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # the event: the child is inside the intake's transaction
        assert line.strip() == f"stopped:{stop_at}", (line, child.stderr.read() if child.poll() else "")
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=UPPER_BOUND)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL
    assert {table: count(table) for table in TABLES} == before, "a killed intake left rows behind"

    again = _child(database_url, "", list_path)
    out, err = again.communicate(timeout=UPPER_BOUND)
    assert again.returncode == 0, err[-3000:]
    done = out.strip().splitlines()[-1].split(":")
    assert done[0] == "done" and done[2] == "False", out  # not taken for a duplicate of the dead run
    assert int(done[3]) == ROWS
    assert count("verification_pushbatch") == before["verification_pushbatch"] + 1
    assert count("verification_pushrow") == before["verification_pushrow"] + ROWS
