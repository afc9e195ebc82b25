"""Seeding the demo district: the bulk path against the one-by-one service path (the baseline).

``seed_district`` loads the district's files through the master-data importer (``exchange.importer``,
as ``make demo`` does; issue 16: "through the same importer"), then the demo logins and scenarios.
Targets (issue 2): full district, 285,000 persons, ≤ 60 s and ≤ 1 GiB peak RSS, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.common import (
    BENCH_HOME,
    DB_PREFIX,
    drop_postgres_database,
    emit,
    from_template,
    postgres_database,
    run_child,
    target,
)

# The register is loaded by worker processes when it has several slices (``demo.register``, one per
# core, at most two): the peaks each worker reports are added to the seeding process's own peak (its
# own: the child's rusage from wait4 is already the largest of it and the workers it reaped), an upper
# bound of what they held at once.
SEED_CODE = """
import django, os, resource, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
start = time.perf_counter()
from hongyixing.demo import generator
loaded = []
def load_register(*args, **kwargs):
    loaded.append(real_load_register(*args, **kwargs))
    return loaded[-1]
real_load_register, generator.load_register = generator.load_register, load_register
counts = generator.seed_district({persons}, {seed})
print("SEED_SECONDS", time.perf_counter() - start)
print("WORKERS", loaded[0].workers)
print("WORKER_RSS", loaded[0].worker_peak_rss)
print("SELF_RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
print("COUNTS", counts)
"""

# The baseline: the same persons created one at a time through the ordinary service (what an import
# written as a per-row loop would do), measured on a sample and extrapolated linearly.
BASELINE_CODE = """
import django, os, time, datetime as dt
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
django.setup()
from django.core.management import call_command
if {prepare}:
    call_command("migrate", verbosity=0)
    from hongyixing.demo.generator import seed_district
    seed_district({baseline_persons}, 7)
from hongyixing.areas.models import Household
from hongyixing.people import idnumbers
from hongyixing.people.services import PersonSpec, create_person
households = list(Household.objects.order_by("id")[:{sample}])
start = time.perf_counter()
for i in range({sample}):
    number = idnumbers.make("320829", dt.date(1950, 1, 1) + dt.timedelta(days=i), 500 + i % 400)
    create_person(None, PersonSpec(name="基线" + str(i), document_number=number, phones=["139%08d" % i],
                                   household=households[i % len(households)]))
print("PER_PERSON", (time.perf_counter() - start) / {sample})
"""


def _value(out: str, key: str) -> float:
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith(key)))


def _run(database: str, persons: int, seed: int, smoke: bool) -> dict[str, Any]:
    """Always from an empty database (this bench measures the seeding itself: nothing is cached)."""
    if smoke:
        home = Path(tempfile.mkdtemp(prefix="bench-seed-")) / database
        pg_name = f"{DB_PREFIX}_smoke_seed_{os.getpid()}"
    else:
        home = BENCH_HOME / f"seed-{database}"
        pg_name = f"{DB_PREFIX}_seed"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {"HONGYIXING_HOME": str(home)}
    if database == "postgresql":
        env["DATABASE_URL"] = postgres_database(pg_name, smoke=smoke)
    elif smoke:
        from_template(home)
    try:
        wall, rss, out = run_child(SEED_CODE.format(persons=persons, seed=seed), env)
        seconds = _value(out, "SEED_SECONDS")
        workers = int(_value(out, "WORKERS"))
        rss = int(_value(out, "SELF_RSS")) + int(_value(out, "WORKER_RSS"))
        # Smoke: the baseline's sample goes into the database just seeded (saves a second district).
        env_b = dict(env)
        if not smoke:
            baseline_home = home / "baseline"
            baseline_home.mkdir()
            env_b["HONGYIXING_HOME"] = str(baseline_home)
            if database == "postgresql":
                env_b["DATABASE_URL"] = postgres_database(pg_name + "_baseline")
        sample = 50 if smoke else 1500
        code = BASELINE_CODE.format(sample=sample, baseline_persons=1000, prepare=not smoke)
        _w, _r, out_b = run_child(code, env_b)
        per_person = _value(out_b, "PER_PERSON")
    finally:
        if database == "postgresql":
            drop_postgres_database(pg_name)
            drop_postgres_database(pg_name + "_baseline")
        if smoke:
            shutil.rmtree(home.parent, ignore_errors=True)
    baseline_seconds = per_person * persons
    print(
        f"{database:>10}: seeded {persons:,} persons in {seconds:.1f} s (process {wall:.1f} s, "
        f"peak RSS {rss / 2**20:.0f} MiB, {workers} register workers); "
        f"one-by-one service path ≈ {baseline_seconds:.0f} s "
        f"(×{baseline_seconds / seconds:.1f} slower)"
    )
    return {
        "seconds": round(seconds, 2),
        "process_seconds": round(wall, 2),
        "peak_rss_mib": round(rss / 2**20),
        "register_workers": workers,
        "baseline_one_by_one_seconds": round(baseline_seconds, 1),
        "speedup_vs_baseline": round(baseline_seconds / seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench seed")
    parser.add_argument("--persons", type=int, default=285_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--smoke", action="store_true", help="1,000 persons, a 50-person baseline sample")
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons = 1000
    metrics: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for database in args.databases.split(","):
        result = _run(database, args.persons, args.seed, args.smoke)
        metrics[database] = result
        targets[f"{database}_seconds"] = target(result["seconds"], 60)
        targets[f"{database}_peak_rss_mib"] = target(result["peak_rss_mib"], 1024)
    baselines = {
        db: {"one_by_one_seconds": m["baseline_one_by_one_seconds"], "ratio": m["speedup_vs_baseline"]}
        for db, m in metrics.items()
    }
    emit("seed", {"persons": args.persons, **metrics}, baselines, targets)
