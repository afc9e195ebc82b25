"""W-E: the economic half — returning-staff import with registry linking, the anti-duplicate check of
subsidy claims, and the economic dashboard, against a raw GROUP BY in the same run.

Runs in this process on a fresh database: SQLite in a temporary directory, or PostgreSQL when
``BENCH_ENTERPRISES_DATABASE_URL`` names one (it is dropped and recreated). Dataset: the district's
towns, ``--enterprises`` enterprises, half of the ``--employees`` employees already in the registry
(so linking finds them), staff files of 500–5,000 rows written as xlsx and read by exchange.tabular.

Measured:
- staff import: read + link + store (+ audit) of every file, rows/s over all files;
- anti-duplicate check: ``subsidies.duplicates`` for ``--claims`` ID indexes against as many holding
  claim lines (the worst case: a whole year's claims checked at once);
- the economic dashboard cards for the district office, p95 over repeated calls;
- baseline: a raw GROUP BY over enterprises and claims giving the same headline counts; ratio =
  dashboard median / baseline median.

Targets (issue 15): import ≥ 5,000 rows/s; the check ≤ 1 s; the dashboard p95 ≤ 200 ms.
``--smoke`` runs a tiny size for the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from typing import Any

SMOKE = {"enterprises": 20, "employees": 1200, "claims": 2000, "repeat": 5}
FULL = {"enterprises": 2000, "employees": 100_000, "claims": 100_000, "repeat": 50}


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _file_sizes(total: int, rng: random.Random) -> list[int]:
    sizes, left = [], total
    while left > 0:
        size = min(left, rng.randint(500, 5000))
        sizes.append(size)
        left -= size
    return sizes


def run(enterprises: int, employees: int, claims: int, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from bench.common import summary_ms, target, timed
    from hongyixing.accounts import services as accounts
    from hongyixing.areas import services as areas
    from hongyixing.areas.models import AdminUnit
    from hongyixing.core.crypto import blind_index
    from hongyixing.enterprises import staff, subsidies
    from hongyixing.enterprises.credit_codes import check_character
    from hongyixing.enterprises.models import Claim, ClaimLine, Employee, Enterprise, SubsidyRule
    from hongyixing.exchange.tabular import write_xlsx
    from hongyixing.people import idnumbers
    from hongyixing.people.services import PersonSpec, do_bulk_create_persons
    from hongyixing.reports.economy import economy_cards

    rng = random.Random(15)
    areas.do_load_divisions(None)
    district = AdminUnit.objects.get(path="320813")
    office = accounts.do_create_user(None, "bench_office", password="Bench-pass-2020")
    accounts.do_grant(None, office, "district_office", unit=district)
    towns = list(AdminUnit.objects.filter(level="town", path__startswith="320813").order_by("path"))

    def number(n: int) -> str:
        return idnumbers.make("320829", dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28), n % 999 + 1)

    numbers = list(dict.fromkeys(number(n) for n in range(employees * 3)))[:employees]
    for start in range(0, employees // 2, 5000):
        chunk = numbers[start : min(start + 5000, employees // 2)]
        do_bulk_create_persons(
            None, [PersonSpec(name=f"居民{n}", document_number=x, unit=towns[0]) for n, x in enumerate(chunk)]
        )
    made = []
    for n in range(enterprises):
        first17 = f"9132081{n + 1:010d}"
        made.append(
            Enterprise(
                name=f"企业{n}",
                credit_code=first17 + check_character(first17),
                unit_path=towns[n % len(towns)].path,
                industry="machinery",
                above_scale=n % 3 == 0,
                resumed_on=dt.date(2020, 2, 20) if n % 4 else None,
            )
        )
    Enterprise.objects.bulk_create(made, batch_size=2000)
    made = list(Enterprise.objects.order_by("pk"))

    # Staff import: xlsx files of 500–5,000 rows, spread over the enterprises.
    files, offset = [], 0
    for size in _file_sizes(employees, rng):
        rows = [[f"居民{i}", numbers[i], "", "安徽省", "300"] for i in range(offset, offset + size)]
        buffer = io.BytesIO()
        write_xlsx(buffer, ["姓名", "身份证号", "手机号", "来源地", "距离(公里)"], rows, sheet_name="员工")
        files.append(buffer.getvalue())
        offset += size
    started = time.perf_counter()
    imported = 0
    for n, data in enumerate(files):
        staff_rows = staff.rows_from_table(data, "staff.xlsx")
        imported += staff.do_add_staff(office, made[n % len(made)], staff_rows).created
    import_seconds = time.perf_counter() - started

    # Holding claim lines for ``claims`` people (seeded directly: the check is what is measured).
    rule = SubsidyRule.objects.get(kind="transport")
    holder = Claim.objects.create(
        enterprise=made[0],
        unit_path=made[0].unit_path,
        kind="transport",
        rule=rule,
        claim_date=dt.date(2020, 3, 1),
        amount=0,
        submitted_by=office,
        submitted_at=timezone.now(),
    )
    sample = list(Employee.objects.order_by("pk").values_list("pk", "id_index")[:1])
    employee_id = sample[0][0]
    indexes = [blind_index("id", number(10_000_000 + n)) for n in range(claims)]
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(claim=holder, employee_id=employee_id, kind="transport", id_index=i, amount=100)
            for i in indexes
        ],
        batch_size=5000,
    )
    check = timed(lambda: subsidies.duplicates("transport", indexes), repeat=3, warmup=1)
    found = len(subsidies.duplicates("transport", indexes))

    dashboard = timed(lambda: economy_cards(office), repeat=repeat)

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT unit_path, COUNT(*), SUM(CASE WHEN resumed_on IS NULL THEN 0 ELSE 1 END) "
                "FROM enterprises_enterprise GROUP BY unit_path"
            )
            cursor.fetchall()
            cursor.execute("SELECT state, COUNT(*), SUM(amount) FROM enterprises_claim GROUP BY state")
            cursor.fetchall()
            cursor.execute(
                "SELECT COUNT(*), SUM(CASE WHEN risky THEN 1 ELSE 0 END) FROM enterprises_employee"
            )
            cursor.fetchall()

    base = timed(baseline, repeat=repeat)
    dash_ms, base_ms = summary_ms(dashboard), summary_ms(base)
    rows_per_second = imported / import_seconds if import_seconds else 0.0
    check_ms = summary_ms(check)
    return {
        "metrics": {
            "enterprises": enterprises,
            "employees_imported": imported,
            "files": len(files),
            "import_rows_per_s": round(rows_per_second),
            "duplicate_check_claims": claims,
            "duplicate_check_found": found,
            "duplicate_check_ms": check_ms,
            "dashboard_ms": dash_ms,
            "database": connection.vendor,
        },
        "baselines": {
            "raw_group_by_ms": base_ms,
            "dashboard_over_baseline": round(dash_ms["p50_ms"] / max(base_ms["p50_ms"], 1e-3), 1),
        },
        "targets": {
            "import_rows_per_s": {
                "target": 5000,
                "value": round(rows_per_second),
                "met": rows_per_second >= 5000,
            },
            "duplicate_check_s": target(check_ms["p50_ms"] / 1000, 1.0),
            "dashboard_p95_s": target(dash_ms["p95_ms"] / 1000, 0.2),
        },
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench enterprises")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument("--enterprises", type=int)
    parser.add_argument("--employees", type=int)
    parser.add_argument("--claims", type=int)
    args = parser.parse_args(argv)
    sizes = dict(SMOKE if args.smoke else FULL)
    for key in ("enterprises", "employees", "claims"):
        if getattr(args, key):
            sizes[key] = getattr(args, key)
    url = os.environ.get("BENCH_ENTERPRISES_DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp:
        if url.startswith("postgres"):
            from bench.common import postgres_database

            url = postgres_database(url.rsplit("/", 1)[1])
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        _setup_django(url)
        from bench.common import emit

        result = run(sizes["enterprises"], sizes["employees"], sizes["claims"], sizes["repeat"])
        emit("enterprises", result["metrics"], result["baselines"], result["targets"])
    sys.stdout.flush()
