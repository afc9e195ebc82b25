"""The real server (make demo's gunicorn command) SIGKILLed while check-ins stream in, restarted, and
every acknowledged check-in found exactly once afterwards — the small version of `python -m bench
checkins --fault`.

The server runs against the database pytest-django created: the PostgreSQL test database, or the
SQLite test file. When the SQLite test database lives in memory (the default), it is copied to a
file with SQLite's backup API after the fixture rows are written, and the server uses that file.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from hongyixing.accounts.services import do_issue_token
from hongyixing.cli import _server_command
from hongyixing.control import services
from hongyixing.control.models import HealthCheck
from tests.personas import build_world

# The real server needs committed rows; the serialized rollback restores the data migrations
# (rules, push sources) the flush after this test would otherwise take from the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KILLS_AFTER_ACKS = (6, 15, 24)  # kill the server when this many requests have been acknowledged
SENDERS = 4
REQUESTS_PER_SENDER = 10
# The test waits on events (acknowledgements, refused attempts, the server answering), never on a
# wall-clock deadline; this only bounds a hung run, far above what a busy machine needs.
UPPER_BOUND = 300.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = UPPER_BOUND) -> None:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"gave up waiting ({timeout:.0f} s) for {what}")
        time.sleep(0.01)


def _server_database(tmp_path: Path) -> tuple[str, Callable[[], list[tuple[uuid.UUID, int]]]]:
    """The DATABASE_URL the server should use, and how to read (client id, row id) of every check."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = "postgres://{}:{}@{}:{}/{}".format(
            quote(db["USER"] or "", safe=""),
            quote(db["PASSWORD"] or "", safe=""),
            db["HOST"] or "127.0.0.1",
            db["PORT"] or 5432,
            db["NAME"],
        )
        return url, lambda: [(c, i) for c, i in HealthCheck.objects.values_list("client_id", "id")]
    assert connection.vendor == "sqlite"
    name = str(db["NAME"])
    if connection.creation.is_in_memory_db(name):
        path = tmp_path / "server.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
    else:
        path = Path(name)

    def read() -> list[tuple[uuid.UUID, int]]:
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT client_id, id FROM control_healthcheck").fetchall()
        conn.close()
        return [(uuid.UUID(c), i) for c, i in rows]

    return f"sqlite:///{path}", read


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, port: int, database_url: str, log: Path) -> None:
        self.port = port
        self.env = {**os.environ, "DATABASE_URL": database_url, "HONGYIXING_HOME": str(settings.VAR_DIR)}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                _server_command(f"127.0.0.1:{self.port}", 1),  # one worker: boots fastest
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = UPPER_BOUND) -> None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"server not up in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)  # the master and its workers, no goodbye
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


def _post(port: int, token: str, checks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One attempt; the parsed answer when the server acknowledged, None on any failure."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request(
            "POST",
            "/api/control/checks",
            body=json.dumps({"checks": checks}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        body = response.read()
        conn.close()
    except (OSError, http.client.HTTPException):  # refused, reset, or the answer cut off by the kill
        return None
    if response.status != 200:
        assert response.status >= 500, body  # a 4xx would be a broken request, not a fault
        return None
    return json.loads(body)


def test_a_killed_server_loses_and_duplicates_no_acknowledged_check(tmp_path: Path) -> None:
    world = build_world(push_list=False)
    measures = [
        services.do_open_measure(world.users["town_a"], person, services.MeasureSpec(type="home_monitoring"))
        for person in world.a.persons
    ]
    _token, key = do_issue_token(world.users["grid_a1"], "fault test")
    day = timezone.localdate().isoformat()

    def check(n: int) -> dict[str, Any]:
        return {
            "client_id": str(uuid.uuid4()),
            "measure_id": measures[n % len(measures)].pk,
            "temperature": 36.5,
            "day": day,
            "slot": "m",
        }

    # Per sender: singles and batches of five, each retried with the same ids until acknowledged.
    work = [
        [[check(n)] if n % 3 else [check(n + k) for k in range(5)] for n in range(REQUESTS_PER_SENDER)]
        for _ in range(SENDERS)
    ]
    database_url, stored_rows = _server_database(tmp_path)
    server = Server(_free_port(), database_url, tmp_path / "server.log")
    acked: dict[str, int] = {}
    acked_requests = 0
    failed_attempts = 0
    gave_up = 0
    lock = threading.Lock()
    started = time.monotonic()

    def sender(requests: list[list[dict[str, Any]]]) -> None:
        nonlocal acked_requests, failed_attempts, gave_up
        for checks in requests:
            while True:
                answer = _post(server.port, key, checks)
                if answer is not None:
                    with lock:
                        for sent, result in zip(checks, answer["results"], strict=True):
                            assert result["client_id"] == sent["client_id"]
                            assert (
                                acked.setdefault(sent["client_id"], result["check_id"]) == result["check_id"]
                            )
                        acked_requests += 1
                    break
                with lock:
                    failed_attempts += 1
                if time.monotonic() - started > UPPER_BOUND:
                    with lock:
                        gave_up += 1
                    break
                time.sleep(0.05)

    server.start()
    kills = 0
    try:
        server.wait_ready()
        threads = [threading.Thread(target=sender, args=(w,)) for w in work]
        for thread in threads:
            thread.start()
        for threshold in KILLS_AFTER_ACKS:
            wait_for(lambda t=threshold: acked_requests >= t, f"{threshold} acknowledged requests")
            refused_before = failed_attempts
            server.kill()
            kills += 1
            # A sender must have met the dead server before it comes back: the kill was felt.
            wait_for(lambda r=refused_before: failed_attempts > r, "a sender to meet the killed server")
            server.start()
            server.wait_ready()
        for thread in threads:
            thread.join(timeout=UPPER_BOUND)
            assert not thread.is_alive(), "a sender never got its checks acknowledged"
        # A replay of acknowledged ids after all the restarts: acknowledged again, never stored again.
        replay = work[0][0] + work[1][0]
        again = _post(server.port, key, replay)
    finally:
        server.stop()

    log_tail = (tmp_path / "server.log").read_text()[-2000:]
    assert kills == len(KILLS_AFTER_ACKS)
    assert gave_up == 0, log_tail
    assert acked_requests == SENDERS * REQUESTS_PER_SENDER
    assert failed_attempts > 0, "the kills never interrupted a request"
    assert again is not None
    assert all(r["duplicate"] for r in again["results"])
    assert [r["check_id"] for r in again["results"]] == [acked[c["client_id"]] for c in replay]

    sent_ids = {c["client_id"] for w in work for checks in w for c in checks}
    assert set(acked) == sent_ids
    rows = stored_rows()
    by_client: dict[str, list[int]] = {}
    for client_id, row_id in rows:
        by_client.setdefault(str(client_id), []).append(row_id)
    assert {c: ids for c, ids in by_client.items() if len(ids) > 1} == {}, "a check stored twice"
    assert set(by_client) == sent_ids, "a check lost, or one stored that nobody sent"
    assert {c: ids[0] for c, ids in by_client.items()} == acked
