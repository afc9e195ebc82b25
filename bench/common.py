from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_HOME = ROOT / "var" / "bench"
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def run_child(code: str, env: dict[str, str]) -> tuple[float, int, str]:
    """Run Python code in a child; return (wall seconds, peak RSS bytes, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env={**os.environ, **env}, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed ({status}):\n{out[-2000:]}")
    return wall, usage.ru_maxrss * 1024, out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(percentile(samples, 95), 2)}


def target(value: float, limit: float) -> dict[str, Any]:
    return {"target": limit, "value": round(value, 3), "met": value <= limit}


def emit(workload: str, metrics: dict[str, Any], baselines: dict[str, Any], targets: dict[str, Any]) -> None:
    print(
        json.dumps(
            {"workload": workload, "metrics": metrics, "baselines": baselines, "targets": targets},
            ensure_ascii=False,
        )
    )


def postgres_database(name: str) -> str:
    """Create (or recreate) a scratch PostgreSQL database and return its URL."""
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 LC_COLLATE "C.UTF-8" LC_CTYPE "C.UTF-8"')
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` (C collation) unless it exists: kept between runs."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(
                f'CREATE DATABASE "{name}" TEMPLATE template0 LC_COLLATE "C.UTF-8" LC_CTYPE "C.UTF-8"'
            )
