"""Importing a household register: the bulk import path against one-by-one ``create_person``.

A generated register (the demo district's files: realistic headers, a title row and a 制表人 footer,
1 % of IDs rewritten to the old 15-digit form, GBK csv and xlsx) into an empty district: the first import
(time, CPU time, peak RSS of the importing process), the same file again (nothing changes), the xlsx
copy as a dry run, and a copy with 1 % of rows' addresses changed (the dry run must report exactly those
rows). Targets (issue 11): 285,000 rows ≤ 60 s and ≤ 1 GiB, the
same file again ≤ 30 s. Run small sizes on shared machines (``--smoke``).
"""

from __future__ import annotations

import argparse
import shutil
from typing import Any

from bench.common import (
    BENCH_HOME,
    DB_PREFIX,
    drop_postgres_database,
    emit,
    postgres_database,
    run_child,
    target,
)

# Three children on one database: the files are prepared in one (not measured), imported in the next
# (its peak RSS is the import's: the register is held as the uploaded bytes, nothing else), and the dry
# runs of the xlsx copy and the changed copy in a third.
PREPARE_CODE = """
import csv, io, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
import django
django.setup()
from pathlib import Path
from hongyixing.demo.files import write_demo_files
from hongyixing.exchange.writers import write_xlsx
folder = Path({folder!r})
write_demo_files(folder, seed=2020, persons={persons})
text = (folder / "residents.csv").read_bytes().decode("gbk")
rows = list(csv.reader(io.StringIO(text)))
header, body = rows[1], rows[2:-1]
id_col, address_col = header.index("公民身份号码"), header.index("现住址")
for index, row in enumerate(body):
    number = row[id_col]
    if index % 100 == 7 and number[6:8] == "19":
        row[id_col] = number[:6] + number[8:17]  # the same person in the old 15-digit form
def encoded(table):
    out = io.StringIO()
    csv.writer(out, lineterminator="\\r\\n").writerows(table)
    return out.getvalue().encode("gbk", errors="replace")
(folder / "register.csv").write_bytes(encoded(rows))
write_xlsx(folder / "register.xlsx", header, body, sheet_name="实有人口")
changed_rows = []
for index, row in enumerate(body):
    if index % 100 == 50:
        row[address_col] = row[address_col] + "（新）"
        changed_rows.append(index + 3)  # the title and the header come first
(folder / "changed.csv").write_bytes(encoded(rows))
(folder / "changed.json").write_text(json.dumps(changed_rows))
"""

IMPORT_CODE = """
import os, resource, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
import django
django.setup()
from pathlib import Path
from django.core.management import call_command
call_command("migrate", verbosity=0)
from hongyixing.areas.services import do_load_divisions
from hongyixing.exchange.importer import ImportContext, run_import
do_load_divisions(None)
folder = Path({folder!r})
context = ImportContext(None, (), everything=True)
for kind, name in (("units", "units.xlsx"), ("grids", "grids.xlsx")):
    assert run_import(kind, (folder / name).read_bytes(), name, context, dry_run=False).applied
register = (folder / "register.csv").read_bytes()
print("BEFORE_RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
start, cpu = time.perf_counter(), time.process_time()
first = run_import("residents", register, "residents.csv", context, dry_run=False)
print("FIRST_SECONDS", time.perf_counter() - start)
print("FIRST_CPU", time.process_time() - cpu)
assert first.applied, (first.refused, first.error_lines()[:3])
print("FIRST_RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
print("ROWS", len(first.rows))
del first
start, cpu = time.perf_counter(), time.process_time()
again = run_import("residents", register, "residents.csv", context, dry_run=False)
print("AGAIN_SECONDS", time.perf_counter() - start)
print("AGAIN_CPU", time.process_time() - cpu)
print("AGAIN_CHANGED", sum(1 for r in again.rows if r.status != "unchanged"))
"""

DRY_CODE = """
import json, os, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
import django
django.setup()
from pathlib import Path
from hongyixing.exchange.importer import CHANGED, ImportContext, run_import
folder = Path({folder!r})
context = ImportContext(None, (), everything=True)
start = time.perf_counter()
data = (folder / "register.xlsx").read_bytes()
xlsx = run_import("residents", data, "residents.xlsx", context, dry_run=True)
print("XLSX_SECONDS", time.perf_counter() - start)
assert not xlsx.refused, xlsx.refused
print("XLSX_CHANGED", sum(1 for r in xlsx.rows if r.status != "unchanged"))
del xlsx
changed_rows = set(json.loads((folder / "changed.json").read_text()))
newer = run_import("residents", (folder / "changed.csv").read_bytes(), "residents.csv", context, dry_run=True)
reported = {{r.row_number for r in newer.rows if r.status == CHANGED}}
print("CHANGED_EXPECTED", len(changed_rows))
print("CHANGED_EXACT", int(reported == changed_rows))
"""

BASELINE_CODE = """
import django, os, time, datetime as dt
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from hongyixing.demo.generator import seed_district
seed_district(300, 7)
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


def _run(database: str, persons: int, sample: int) -> dict[str, Any]:
    home = BENCH_HOME / f"import-{database}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {"HONGYIXING_HOME": str(home)}
    pg_name = f"{DB_PREFIX}_import"
    if database == "postgresql":
        env["DATABASE_URL"] = postgres_database(pg_name)
    try:
        folder = str(home / "files")
        run_child(PREPARE_CODE.format(folder=folder, persons=persons), env)
        wall, rss, out = run_child(IMPORT_CODE.format(folder=folder), env)
        _w, dry_rss, dry_out = run_child(DRY_CODE.format(folder=folder), env)
        out += dry_out
        env_b = {**env, "HONGYIXING_HOME": str(home / "baseline")}
        (home / "baseline").mkdir()
        if database == "postgresql":
            env_b["DATABASE_URL"] = postgres_database(pg_name + "_baseline")
        _w, _r, out_b = run_child(BASELINE_CODE.format(sample=sample), env_b)
    finally:
        if database == "postgresql":
            drop_postgres_database(pg_name)
            drop_postgres_database(pg_name + "_baseline")
    seconds = _value(out, "FIRST_SECONDS")
    baseline = _value(out_b, "PER_PERSON") * persons
    result = {
        "rows": int(_value(out, "ROWS")),
        "first_seconds": round(seconds, 2),
        "again_seconds": round(_value(out, "AGAIN_SECONDS"), 2),
        # This process's CPU time (not the PostgreSQL server's): steadier than wall time on a shared machine.
        "first_cpu_seconds": round(_value(out, "FIRST_CPU"), 2),
        "again_cpu_seconds": round(_value(out, "AGAIN_CPU"), 2),
        "again_changed_rows": int(_value(out, "AGAIN_CHANGED")),
        "xlsx_dry_run_seconds": round(_value(out, "XLSX_SECONDS"), 2),
        "xlsx_changed_rows": int(_value(out, "XLSX_CHANGED")),
        "one_percent_changed_rows": int(_value(out, "CHANGED_EXPECTED")),
        "one_percent_reported_exactly": bool(_value(out, "CHANGED_EXACT")),
        "process_seconds": round(wall, 2),
        # The importing child's peak (migrate, units, grids, the register's bytes, both imports).
        "peak_rss_mib": round(rss / 2**20),
        "first_import_peak_rss_mib": round(_value(out, "FIRST_RSS") / 2**20),
        "dry_runs_peak_rss_mib": round(dry_rss / 2**20),  # the xlsx copy and the changed copy
        "baseline_one_by_one_seconds": round(baseline, 1),
        "speedup_vs_baseline": round(baseline / seconds, 1) if seconds else None,
    }
    print(
        f"{database:>10}: {result['rows']:,} register rows in {seconds:.1f} s, "
        f"again {result['again_seconds']} s "
        f"({result['again_changed_rows']} changed), peak RSS {result['peak_rss_mib']} MiB; one-by-one ≈ "
        f"{baseline:.0f} s"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench import")
    parser.add_argument("--persons", type=int, default=285_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sample", type=int, default=300, help="persons created one by one for the baseline")
    parser.add_argument("--smoke", action="store_true", help="a few hundred rows on SQLite only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons, args.databases, args.sample = 400, "sqlite", 30
    metrics: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for database in args.databases.split(","):
        result = _run(database, args.persons, args.sample)
        metrics[database] = result
        targets[f"{database}_first_seconds"] = target(result["first_seconds"], 60)
        targets[f"{database}_again_seconds"] = target(result["again_seconds"], 30)
        targets[f"{database}_peak_rss_mib"] = target(result["peak_rss_mib"], 1024)
    baselines = {
        db: {"one_by_one_seconds": m["baseline_one_by_one_seconds"], "ratio": m["speedup_vs_baseline"]}
        for db, m in metrics.items()
    }
    emit("import", {"persons": args.persons, **metrics}, baselines, targets)
