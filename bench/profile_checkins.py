"""Profile W2's check-in request path in process: the WSGI handler called directly (no server, no
network) with the bench's tokens and bodies, under cProfile. Run against W2's cached database:

    python -m bench.profile_checkins --persons 20000 --days 3 [--requests 400] [--top 35]

(``python -m bench checkins`` with the same --persons/--variant/--days builds the cache first.)
Prints requests/s in process for single check-ins, batches of 50, "my people today" and measure pages,
with this process's CPU and its PostgreSQL backend's per request, then the
profile's top functions by cumulative and by own time for one route (``--profile``, single
check-ins by default).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any


def _wsgi_call(app: Any, method: str, path: str, token: str, body: bytes = b"") -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status: list[str] = []
    chunks = app(environ, lambda s, h, exc=None: status.append(s))
    return status[0], b"".join(chunks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_checkins")
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--variant", default="stress")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--token-cache",
        type=float,
        default=None,
        help="TOKEN_CACHE_SECONDS for this run (0: every request looks its token up; 3600: every hit)",
    )
    parser.add_argument(
        "--cpu", action="store_true", help="profile CPU time (time.process_time), not wall time"
    )
    parser.add_argument(
        "--profile",
        choices=["single", "batch50", "today", "page"],
        default="single",
        help="the route profiled",
    )
    args = parser.parse_args(argv)
    from bench.common import BENCH_HOME, DB_PREFIX, pg_url

    name = f"w2-{args.variant}-{args.persons}"
    home = BENCH_HOME / f"{name}-postgresql"
    os.environ.update(HONGYIXING_HOME=str(home), DATABASE_URL=pg_url(f"{DB_PREFIX}_{name}".replace("-", "_")))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
    state = json.loads((home / "state.json").read_text())
    from hongyixing.wsgi import application

    if args.token_cache is not None:
        from hongyixing.api import auth

        auth.TOKEN_CACHE_SECONDS = args.token_cache
    from django.db import connection

    queries = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    connection.execute_wrappers.append(count)

    rng = random.Random(1)
    workers = sorted(state["tokens"].items())
    import datetime as dt
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    day, slot = now.date().isoformat(), "m" if now.hour < 14 else "e"

    def body(measures: list[int], n: int) -> bytes:
        checks = [
            {
                "client_id": str(uuid.uuid4()),
                "measure_id": m,
                "temperature": 36.5,
                "symptoms": [],
                "day": day,
                "slot": slot,
            }
            for m in rng.sample(measures, min(n, len(measures)))
        ]
        return json.dumps({"checks": checks}).encode()

    def single() -> None:
        key, info = workers[rng.randrange(len(workers))]
        status, out = _wsgi_call(application, "POST", "/api/control/checks", key, body(info["measures"], 1))
        assert status.startswith("200"), (status, out[:300])

    def batch() -> None:
        key, info = workers[rng.randrange(len(workers))]
        status, out = _wsgi_call(application, "POST", "/api/control/checks", key, body(info["measures"], 50))
        assert status.startswith("200"), (status, out[:300])

    def today() -> None:
        key, _info = workers[rng.randrange(len(workers))]
        status, out = _wsgi_call(application, "GET", "/api/control/today", key)
        assert status.startswith("200"), (status, out[:300])

    def page() -> None:
        key, info = workers[rng.randrange(len(workers))]
        path = f"/api/control/measures/{rng.choice(info['measures'])}"
        status, out = _wsgi_call(application, "GET", path, key)
        assert status.startswith("200"), (status, out[:300])

    routes = {
        "single": (single, args.requests),
        "batch50": (batch, args.requests // 10),
        "today": (today, args.requests // 4),
        "page": (page, args.requests // 4),
    }
    for fn, _n in routes.values():
        fn()  # warm
    # One backend for the whole run: the settings' CONN_MAX_AGE would let a request close the
    # connection after 60 s and read another backend's CPU (or a reused pid's) from then on.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def server_cpu() -> float:
        """This process's PostgreSQL backend's CPU seconds so far (the server runs on this machine)."""
        stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")

    for label, (fn, n) in routes.items():
        started, cpu, queries[0], server = time.perf_counter(), time.process_time(), 0, server_cpu()
        for _ in range(n):
            fn()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        print(
            f"{label:>8}: {n / seconds:,.0f} requests/s in process ({seconds / n * 1000:.1f} ms each, "
            f"{cpu / n * 1000:.2f} ms of this process's CPU, {(server_cpu() - server) / n * 1000:.2f} ms of "
            f"its PostgreSQL backend's, {queries[0] / n:.2f} queries each)"
        )
    fn, n = routes[args.profile]
    profiler = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        fn()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
