"""Every bench runs at its smoke size and prints its JSON line: a bench that breaks fails the suite.

Each bench runs as a child (``python -m bench NAME --smoke``) on the database of this run: SQLite, or
the PostgreSQL server DATABASE_URL points at (with throwaway database names, dropped by the bench).
W2 (``checkins``) needs PostgreSQL and runs only then. No figure is asserted: speed belongs in bench/.
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
DATABASE = "postgresql" if POSTGRES else "sqlite"

# workload → (extra arguments, the metric keys its JSON line must carry)
BENCHES = {
    "seed": ([f"--databases={DATABASE}"], {DATABASE}),
    "browse": ([f"--databases={DATABASE}"], {f"{DATABASE}_1000"}),
    "verification": ([f"--databases={DATABASE}"], {f"{DATABASE}_1000_200"}),
    "reports": ([f"--databases={DATABASE}"], {f"{DATABASE}_1000"}),
    "checkins": ([], {"highest_sustained_checkins_per_s", "steps", "verification", "variant"}),
}


PREFIX = f"hy_benchsmoke_{os.getpid()}"
ADMIN_URL = DATABASE_URL.rsplit("/", 1)[0] + "/postgres" if POSTGRES else ""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        HONGYIXING_HOME=str(tmp / "home"),
        BENCH_HOME=str(tmp / "bench"),
        BENCH_DB_PREFIX=PREFIX,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]),
    )
    if POSTGRES:
        env["BENCH_POSTGRES_URL"] = ADMIN_URL
    return env


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated empty database for every smoke run (saves a migrate per bench): a SQLite file,
    or on PostgreSQL a template database, dropped afterwards."""
    tmp = tmp_path_factory.mktemp("smoke-template")
    env = _env(tmp)
    name = f"{PREFIX}_template"
    if POSTGRES:
        import psycopg

        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(
                f'CREATE DATABASE "{name}" TEMPLATE template0 LC_COLLATE "C.UTF-8" LC_CTYPE "C.UTF-8"'
            )
        env["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    code = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hongyixing.settings'); "
        "django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=300)
    try:
        yield name if POSTGRES else str(tmp / "home" / "hongyixing.sqlite3")
    finally:
        if POSTGRES:
            import psycopg

            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(workload: str, args: list[str], tmp_path: Path, template: str) -> dict:
    env = {**_env(tmp_path), "BENCH_SMOKE_TEMPLATE": template}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", workload, "--smoke", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith('{"workload"')]
    assert lines, proc.stdout[-3000:]
    return dict(json.loads(lines[-1]))


@pytest.mark.parametrize("workload", list(BENCHES))
def test_bench_smoke_prints_its_json_line(workload: str, tmp_path: Path, template: str) -> None:
    if workload == "checkins" and not POSTGRES:
        pytest.skip("W2 runs on PostgreSQL only (DATABASE_URL is not PostgreSQL)")
    args, metric_keys = BENCHES[workload]
    line = _run(workload, args, tmp_path, template)
    assert line["workload"] == workload
    assert set(line) == {"workload", "metrics", "baselines", "targets"}
    assert metric_keys <= set(line["metrics"]), sorted(line["metrics"])
    assert line["targets"], "every bench states its targets"
    assert all("met" in t for t in line["targets"].values())


def test_the_w1_profile_tool_runs_at_its_smoke_size(tmp_path: Path, template: str) -> None:
    env = {**_env(tmp_path), "BENCH_SMOKE_TEMPLATE": template}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.profile_verification", "--smoke", "--phases", "--queries"]
        + [f"--database={DATABASE}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "200 rows:" in out, out[-3000:]
    # Every wrapped step ran (a renamed one would fail at start-up), and the statements were summed.
    for phase in ("read_table", "prepare", "link", "log_bulk_create"):
        assert f" s {phase}\n" in out, out[-3000:]
    assert "FROM people_person WHERE document_type" in out, out[-3000:]  # the ID lookups, both databases


def test_a_cached_sqlite_file_starts_with_an_empty_write_ahead_log(tmp_path: Path) -> None:
    import sqlite3

    from bench.common import _checkpoint

    path = tmp_path / "cached.sqlite3"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # as after a run whose transactions no checkpoint followed
    writer.execute("CREATE TABLE t (x text)")
    writer.executemany("INSERT INTO t VALUES (?)", [("x" * 200,)] * 2000)
    writer.commit()
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > 100_000

    # The writer stays open: closing the last connection would checkpoint by itself.
    _checkpoint(path)

    assert wal.stat().st_size == 0
    assert writer.execute("SELECT count(*) FROM t").fetchone() == (2000,)
    writer.close()
