"""W2's baseline: the product's WSGI application plus one bench-only path, POST /bench/raw-checks,
which stores the same check-in bodies with one plain INSERT … ON CONFLICT (client_id) DO NOTHING
into the same control_healthcheck table. No authentication, no scope check, no validation beyond
what the casts do, no audit: the floor a check-in write can cost on this server and database.

Served by the same gunicorn command as the product (see bench/checkins.py); never part of the
product."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import psycopg

from hongyixing.wsgi import application as product

PATH = "/bench/raw-checks"
_local = threading.local()

INSERT = """
INSERT INTO control_healthcheck (client_id, measure_id, person_id, unit_path, grid_id, day, slot,
    temperature, symptoms, abnormal, source, recorded_by_id, recorded_at)
SELECT v.client_id, m.id, m.person_id, m.unit_path, m.grid_id, v.day, v.slot, v.temperature, '',
    v.temperature >= 37.3, 'team', NULL, now()
FROM unnest(%s::uuid[], %s::bigint[], %s::date[], %s::text[], %s::numeric[])
    AS v(client_id, measure_id, day, slot, temperature)
JOIN control_measure m ON m.id = v.measure_id
ON CONFLICT (client_id) DO NOTHING
RETURNING client_id, id
"""
EXISTING = "SELECT client_id, id FROM control_healthcheck WHERE client_id = ANY(%s::uuid[])"


def _connection() -> psycopg.Connection[Any]:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        _local.conn = conn
    return conn


def _raw_checks(body: bytes) -> list[dict[str, Any]]:
    checks = json.loads(body)["checks"]
    ids = [uuid.UUID(c["client_id"]) for c in checks]
    conn = _connection()
    inserted = dict(
        conn.execute(
            INSERT,
            [
                ids,
                [c["measure_id"] for c in checks],
                [c["day"] for c in checks],
                [c["slot"] for c in checks],
                [c["temperature"] for c in checks],
            ],
        ).fetchall()
    )
    missing = [i for i in ids if i not in inserted]
    existing = dict(conn.execute(EXISTING, [missing]).fetchall()) if missing else {}
    return [
        {"client_id": str(i), "check_id": inserted.get(i) or existing[i], "duplicate": i not in inserted}
        for i in ids
    ]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") != PATH:
        return product(environ, start_response)
    if environ.get("REQUEST_METHOD") != "POST":
        start_response("405 Method Not Allowed", [("Content-Length", "0")])
        return [b""]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        results = _raw_checks(environ["wsgi.input"].read(length))
    except (KeyError, ValueError) as error:
        payload = json.dumps({"detail": str(error)}).encode()
        start_response(
            "400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        )
        return [payload]
    payload = json.dumps({"results": results}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
