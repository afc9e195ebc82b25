from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_HOME = Path(os.environ.get("BENCH_HOME", str(ROOT / "var" / "bench")))
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# Every bench database is named with this prefix (the smoke test sets a throwaway one).
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "hongyixing_bench")
# The code a cached dataset is built from: the demo generator and the schema, plus each bench's own
# seed module (passed by the bench). A change to any of them rebuilds the cache on the next run.
# The smoke test migrates one empty database once and hands it to every smoke run (a file to copy on
# SQLite, a template database's name on PostgreSQL): each run's migrate then has nothing left to do.
SMOKE_TEMPLATE = os.environ.get("BENCH_SMOKE_TEMPLATE", "")
_SEED_SOURCES = ("src/hongyixing/demo", "src/hongyixing/*/migrations", "bench/common.py")


def code_version(*sources: str, **params: Any) -> str:
    """A short hash of the source files that build a dataset and of its parameters."""
    digest = hashlib.sha256()
    for pattern in (*_SEED_SOURCES, *sources):
        for path in sorted(ROOT.glob(pattern)):
            files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
            for file in files:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    digest.update(json.dumps(params, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def pg_url(name: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


class Cache:
    """A bench's cached dataset: a home folder (SQLite file, keys, state) and, on PostgreSQL, a
    database, both stamped with ``version``. A stamp that differs (or is missing on either side)
    throws both away and starts empty; the bench's seed then fills it stage by stage, keyed on the
    state record it keeps in the database itself (``bench/state.py``).

    ``smoke``: a throwaway home and database, dropped by ``close()``."""

    def __init__(self, name: str, database: str, version: str, smoke: bool = False) -> None:
        import tempfile

        self.database = database
        self.version = version
        self.smoke = smoke
        if smoke:
            self.home = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            self.pg_name = f"{DB_PREFIX}_smoke_{name}_{os.getpid()}".replace("-", "_")
        else:
            self.home = BENCH_HOME / f"{name}-{database}"
            self.pg_name = f"{DB_PREFIX}_{name}".replace("-", "_")
        self.url = pg_url(self.pg_name) if database == "postgresql" else ""
        self.rebuilt = self._prepare()

    @property
    def env(self) -> dict[str, str]:
        env = {"HONGYIXING_HOME": str(self.home)}
        if self.url:
            env["DATABASE_URL"] = self.url
        return env

    def _prepare(self) -> bool:
        stamp = self.home / "VERSION"
        fresh = self.smoke or not stamp.exists() or stamp.read_text().strip() != self.version
        if self.url and not fresh:
            fresh = _database_comment(self.pg_name) != self.version
        if fresh:
            if not self.smoke:
                print(f"bench cache {self.home.name}: building anew (version {self.version})", flush=True)
            shutil.rmtree(self.home, ignore_errors=True)
            if self.url:
                postgres_database(self.pg_name, comment=self.version, smoke=self.smoke)
        (self.home / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT: WhiteNoise is quiet
        if self.smoke and not self.url:
            from_template(self.home)
        stamp.write_text(self.version + "\n")
        if not self.url and not fresh:
            _checkpoint(self.home / "hongyixing.sqlite3")
        return fresh

    def close(self) -> None:
        if self.smoke:
            if self.url:
                drop_postgres_database(self.pg_name)
            shutil.rmtree(self.home, ignore_errors=True)


def _checkpoint(path: Path) -> None:
    """Fold a cached SQLite file's write-ahead log back into it and empty the log. A bench's intake
    runs in a transaction it rolls back, which no checkpoint follows: the log grew by each run's spilled
    pages (2.5 GB beside a 2.5 GB register after a few W1 runs) and every read had to look past it."""
    import sqlite3

    if not path.exists():
        return
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _database_comment(name: str) -> str | None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    return None if row is None else (row[0] or "")


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


def from_template(home: Path) -> None:
    """Smoke runs on SQLite: start from the smoke test's migrated empty file, when it gave one."""
    if SMOKE_TEMPLATE and Path(SMOKE_TEMPLATE).is_file():
        home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SMOKE_TEMPLATE, home / "hongyixing.sqlite3")


def postgres_database(name: str, comment: str = "", smoke: bool = False) -> str:
    """Create (or recreate) a scratch PostgreSQL database and return its URL."""
    import psycopg

    template = SMOKE_TEMPLATE if smoke and SMOKE_TEMPLATE and "/" not in SMOKE_TEMPLATE else "template0"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(
            f'CREATE DATABASE "{name}" TEMPLATE "{template}" LC_COLLATE "C.UTF-8" LC_CTYPE "C.UTF-8"'
        )
        if comment:
            conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
    return pg_url(name)


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
