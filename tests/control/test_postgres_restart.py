"""PostgreSQL restarted (immediate shutdown: a crash for the server) while check-ins stream in: no
acknowledged check is lost or stored twice.

It never touches the machine's PostgreSQL: the test makes its own throwaway cluster with ``initdb``
and ``pg_ctl`` under a temporary directory, on a free port, migrates it, serves the real server
against it, and removes it afterwards. Skipped (with the reason) only when the PostgreSQL server
binaries are not installed. Event-driven like test_fault_tolerance: waits on acknowledgements and
on the database answering, with a generous upper bound for a hung run only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.control.test_fault_tolerance import UPPER_BOUND, Server, _free_port, _post, wait_for

PG_BIN = Path(os.environ.get("HONGYIXING_PG_BIN", "/usr/lib/postgresql/15/bin"))
RESTART_AFTER_ACKS = (8, 20)
SENDERS = 3
REQUESTS_PER_SENDER = 12

pytestmark = pytest.mark.skipif(
    not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists(),
    reason=f"PostgreSQL server binaries (initdb, pg_ctl) not found in {PG_BIN}",
)

SETUP = r"""
import django, json, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.personas import build_world
from hongyixing.accounts.services import do_issue_token
from hongyixing.control import services
world = build_world(push_list=False)
measures = [
    services.do_open_measure(world.users["town_a"], p, services.MeasureSpec(type="home_monitoring")).pk
    for p in world.a.persons
]
_token, key = do_issue_token(world.users["grid_a1"], "restart test")
print(json.dumps({"key": key, "measures": measures}), flush=True)
"""


class Cluster:
    """A throwaway PostgreSQL cluster; as root, its processes run as the ``postgres`` user."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=UPPER_BOUND)

    def init(self) -> None:
        if self.as_user:
            shutil.chown(self.root, "postgres")
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                 str(self.root / "pg.log"), "-w", "-t", str(int(UPPER_BOUND)), "start")  # fmt: skip

    def restart_immediately(self) -> None:
        # Immediate mode: no checkpoint, clients cut off — recovery replays the WAL on start.
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.start()

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=UPPER_BOUND,
        )

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def sql(self, name: str, query: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url(name), autocommit=True) as conn:
            cursor = conn.execute(query)
            return cursor.fetchall() if cursor.description else []


def test_a_restarted_postgres_loses_no_acknowledged_check() -> None:
    import json

    root = Path(tempfile.mkdtemp(prefix="hy-pg-"))
    os.chmod(root, 0o755)
    cluster = Cluster(root)
    server: Server | None = None
    try:
        cluster.init()
        cluster.start()
        cluster.sql(
            "postgres",
            "CREATE DATABASE hy_restart TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
        )
        database_url = cluster.url("hy_restart")
        env = {**os.environ, "DATABASE_URL": database_url, "HONGYIXING_HOME": str(settings.VAR_DIR)}
        setup = subprocess.run(
            [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=UPPER_BOUND
        )
        assert setup.returncode == 0, setup.stderr[-3000:]
        made = json.loads(setup.stdout.strip().splitlines()[-1])
        key, measures = made["key"], made["measures"]

        def check(n: int) -> dict[str, Any]:
            return {
                "client_id": str(uuid.uuid4()),
                "measure_id": measures[n % len(measures)],
                "temperature": 36.6,
                "slot": "e",
            }

        work = [[[check(n)] for n in range(REQUESTS_PER_SENDER)] for _ in range(SENDERS)]
        server = Server(_free_port(), database_url, root / "server.log")
        server.start()
        server.wait_ready()
        acked: dict[str, int] = {}
        failed = 0
        lock = threading.Lock()

        def sender(requests: list[list[dict[str, Any]]]) -> None:
            nonlocal failed
            started = time.monotonic()
            for checks in requests:
                while time.monotonic() - started < UPPER_BOUND:
                    answer = _post(server.port, key, checks)
                    if answer is not None:
                        with lock:
                            for sent, result in zip(checks, answer["results"], strict=True):
                                assert (
                                    acked.setdefault(sent["client_id"], result["check_id"])
                                    == result["check_id"]
                                )
                        break
                    with lock:
                        failed += 1
                    time.sleep(0.05)

        threads = [threading.Thread(target=sender, args=(w,)) for w in work]
        for thread in threads:
            thread.start()
        for threshold in RESTART_AFTER_ACKS:
            wait_for(lambda t=threshold: len(acked) >= t, f"{threshold} acknowledged checks")
            cluster.restart_immediately()
        for thread in threads:
            thread.join(timeout=UPPER_BOUND)
            assert not thread.is_alive(), "a sender never got its check acknowledged"
    finally:
        if server is not None:
            server.stop()
        try:
            rows = cluster.sql("hy_restart", "SELECT client_id::text, id FROM control_healthcheck")
        except Exception:  # the cluster never came up: the assertion above already says why
            rows = None
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)

    sent = {c["client_id"] for w in work for checks in w for c in checks}
    assert set(acked) == sent
    assert rows is not None
    stored: dict[str, list[int]] = {}
    for client_id, row_id in rows:
        stored.setdefault(client_id, []).append(row_id)
    assert {c: ids for c, ids in stored.items() if len(ids) > 1} == {}, "a check stored twice"
    assert {c: ids[0] for c, ids in stored.items()} == acked, "an acknowledged check lost"
    print(f"PostgreSQL restarted {len(RESTART_AFTER_ACKS)}×: {len(acked)} checks acknowledged, "
          f"{failed} attempts refused meanwhile, 0 lost, 0 twice")  # fmt: skip
