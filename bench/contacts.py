"""W4: cases and contacts — the 2-hop neighbourhood of a case, a 500-node chain laid out and served,
and contacts turned into tasks and measures in bulk.

A fresh database per run (SQLite under var/bench/, or a scratch PostgreSQL database) is filled with
bulk inserts (bench data, not the subject): ``--cases`` cases in chains of up to 6 generations and
``--edges`` contact edges. Measured through the app's own code: ``cases.queries.neighbourhood`` (names
masked), the chain page served by the Django test client (query, layout, SVG, template), and
``cases.services.do_judge_contacts`` for ``--judge`` contacts (half tasks, half measures) through the
verification and control services. Baseline in the same run: a recursive CTE over the raw edge table
(cases_contact joined to the case each contact became), masked the same way, reported as a ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
from typing import Any

from bench.common import BENCH_HOME, drop_postgres_database, emit, postgres_database, run_child, target

SIZES = {
    "full": {"cases": 2000, "edges": 200_000, "persons": 60_000, "judge": 10_000, "repeat": 40},
    "quarter": {"cases": 500, "edges": 50_000, "persons": 15_000, "judge": 300, "repeat": 20},
    "smoke": {"cases": 60, "edges": 1_500, "persons": 1_200, "judge": 60, "repeat": 5},
}
CODE = "from bench.contacts import child; child({args!r})"


def child(args: dict[str, Any]) -> None:  # noqa: C901 - one measured script, top to bottom
    import datetime as dt
    import os
    import random
    import time

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
    django.setup()
    import sys

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from bench.common import summary_ms, timed
    from hongyixing.accounts import services as accounts
    from hongyixing.accounts.middleware import SESSION_SECOND_FACTOR
    from hongyixing.areas import services as areas
    from hongyixing.areas.models import AdminUnit
    from hongyixing.cases import chain, queries, services
    from hongyixing.cases.models import Case, Contact
    from hongyixing.core.masking import mask_name
    from hongyixing.people.models import Person

    began = time.perf_counter()

    def log(step: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {step}", file=sys.stderr, flush=True)

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    rng = random.Random(2020)
    areas.do_load_divisions(None)
    village = AdminUnit.objects.get(path="320813001001")
    grid = areas.do_create_grid(None, village, 1, "网格1", "网格员")
    root = accounts.do_create_user(None, "bench-root", password="Bench-pass-2020", is_superuser=True)
    now = timezone.now()
    family = "王李张刘陈杨黄赵吴周"
    Person.objects.bulk_create(
        [
            Person(name=family[i % 10] + "某" + str(i), unit_path=village.path, grid_id=grid.pk)
            for i in range(args["persons"])
        ],
        batch_size=5000,
    )
    person_ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    log(f"{len(person_ids)} persons")
    # Chains: each case either starts a chain or was a contact of an earlier case (generation ≤ 6).
    onset = dt.date(2022, 7, 1)
    case_person = rng.sample(person_ids, args["cases"])
    rows: list[Case] = []
    seeding = transaction.atomic()
    seeding.__enter__()  # one commit for the bench data, not one per case
    for n, pid in enumerate(case_person):
        parent = rows[rng.randrange(len(rows))] if rows and rng.random() < 0.9 else None
        if parent is not None and parent.generation >= 6:
            parent = None
        rows.append(
            Case(
                person_id=pid,
                classification="confirmed",
                origin="decision",
                report_date=onset,
                onset_date=onset + dt.timedelta(days=(parent.generation if parent else 0) * 3 + n % 3),
                generation=parent.generation + 1 if parent else 1,
                unit_path=village.path,
                grid_id=grid.pk,
                created_at=now,
            )
        )
        rows[-1]._parent = parent  # type: ignore[attr-defined]
        if parent is None:
            Case.objects.bulk_create([rows[-1]])
        else:
            rows[-1].infected_by = parent
            rows[-1].root_id = parent.root_id or parent.pk
            Case.objects.bulk_create([rows[-1]])
    per_case = max(1, args["edges"] // args["cases"])
    edges: list[Contact] = []
    for c in rows:
        chosen = set(rng.sample(person_ids, per_case))
        chosen.discard(c.person_id)
        parent = c._parent  # type: ignore[attr-defined]
        if parent is not None:  # the edge that made this case
            edges.append(
                Contact(
                    case_id=parent.pk,
                    person_id=c.person_id,
                    category="close",
                    state="case",
                    last_exposure=onset,
                    unit_path=village.path,
                    grid_id=grid.pk,
                    created_at=now,
                )
            )
            chosen.discard(c.person_id)
        edges.extend(
            Contact(
                case_id=c.pk,
                person_id=p,
                category="close",
                last_exposure=onset,
                unit_path=village.path,
                grid_id=grid.pk,
                created_at=now,
            )
            for p in chosen
        )
    Contact.objects.bulk_create(edges, batch_size=5000, ignore_conflicts=True)
    seeding.__exit__(None, None, None)
    edge_count = Contact.objects.count()
    log(f"{len(rows)} cases, {edge_count} contact edges")

    # 2-hop neighbourhood of a case, names masked: ours (one query per hop) vs a recursive CTE.
    sample_cases = [c for c in rows if c.infected.exists()][:50] or rows[:50]
    picks = iter(rng.choice(sample_cases) for _ in range(10_000))
    ours_hood = timed(lambda: queries.neighbourhood(next(picks), 2), args["repeat"])
    cte = """
        WITH RECURSIVE hop(case_id, depth) AS (
            SELECT %s, 1
            UNION ALL
            SELECT c.id, hop.depth + 1 FROM hop
            JOIN cases_contact k ON k.case_id = hop.case_id
            JOIN cases_case c ON c.person_id = k.person_id
            WHERE hop.depth < 2
        )
        SELECT hop.depth, k.id, k.case_id, k.person_id, p.name, k.category, k.last_exposure
        FROM hop JOIN cases_contact k ON k.case_id = hop.case_id JOIN people_person p ON p.id = k.person_id
    """

    def baseline_hood() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(cte, [next(picks).pk])
            return [(*r[:4], mask_name(r[4]), *r[5:]) for r in cursor.fetchall()]

    base_hood = timed(baseline_hood, args["repeat"])
    log("neighbourhoods measured")

    # A chain of ~500 nodes laid out and served: the biggest chain, capped at 500 nodes.
    biggest = queries.clusters(Case.objects.all())[0]["chain"]
    client = Client()
    client.force_login(root)
    session = client.session
    session[SESSION_SECOND_FACTOR] = True
    session.save()
    nodes = queries.chain_nodes(Case.objects.get(pk=biggest), Case.objects.all(), limit=500)

    def serve() -> None:
        response = client.get(f"/cases/{biggest}/chain/")
        assert response.status_code == 200, response.status_code

    ours_chain = timed(serve, args["repeat"])
    root_case = Case.objects.get(pk=biggest)

    def laid_out() -> None:
        chain.svg(queries.chain_nodes(root_case, Case.objects.all(), limit=500))

    ours_layout = timed(laid_out, args["repeat"])
    # The same nodes from the raw tables: the cases below the root by recursion on infected_by, then
    # their contacts that did not become cases, as leaves; laid out by the same code.
    chain_cte = """
        WITH RECURSIVE tree(id) AS (
            SELECT %s UNION ALL SELECT c.id FROM cases_case c JOIN tree ON c.infected_by_id = tree.id
        )
        SELECT 'c' || c.id, c.person_id, p.name, c.generation, c.infected_by_id, c.onset_date
        FROM tree JOIN cases_case c ON c.id = tree.id JOIN people_person p ON p.id = c.person_id
        UNION ALL
        SELECT 'k' || k.id, k.person_id, p.name, c.generation + 1, c.id, NULL
        FROM tree JOIN cases_case c ON c.id = tree.id JOIN cases_contact k ON k.case_id = c.id
        JOIN people_person p ON p.id = k.person_id WHERE k.state <> 'case'
        LIMIT 500
    """

    def baseline_chain() -> None:
        with connection.cursor() as cursor:
            cursor.execute(chain_cte, [biggest])
            found = cursor.fetchall()
        base_nodes = [
            queries.Node(
                r[0],
                mask_name(r[2]),
                "confirmed" if r[0][0] == "c" else "contact",
                r[3],
                f"c{r[4]}" if r[4] and r[0] != f"c{biggest}" else None,
                r[5],
                r[1],
            )
            for r in found
        ]
        chain.svg(base_nodes)

    base_chain = timed(baseline_chain, args["repeat"])
    log("chains measured")

    # Contacts turned into tasks and measures: one case, ``judge`` fresh contacts, half each way.
    fresh = [p for p in person_ids if p not in set(case_person)][-args["judge"] :]
    index = rows[0]
    Contact.objects.bulk_create(
        [
            Contact(
                case_id=index.pk,
                person_id=p,
                last_exposure=dt.date(2022, 7, 5),
                unit_path=village.path,
                grid_id=grid.pk,
                created_at=now,
            )
            for p in fresh
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    ids = list(Contact.objects.filter(case=index, person_id__in=fresh).values_list("id", flat=True))
    half = len(ids) // 2
    started = time.perf_counter()
    tasks = services.do_judge_contacts(root, index, ids[:half], "close", "task")
    measures = services.do_judge_contacts(root, index, ids[half:], "close", "measure")
    judge_seconds = time.perf_counter() - started
    log(f"{len(ids)} contacts judged")
    again = services.do_judge_contacts(root, index, ids[:half], "close", "task")
    print(
        "RESULT "
        + json.dumps(
            {
                "cases": len(rows),
                "edges": edge_count,
                "generations": max(c.generation for c in rows),
                "chain_nodes": len(nodes),
                "hood": summary_ms(ours_hood),
                "hood_cte": summary_ms(base_hood),
                "chain_served": summary_ms(ours_chain),
                "chain": summary_ms(ours_layout),
                "chain_cte": summary_ms(base_chain),
                "judge_contacts": len(ids),
                "judge_seconds": round(judge_seconds, 2),
                "tasks": tasks.tasks,
                "measures": measures.measures,
                "second_run_unchanged": again.unchanged,
            }
        )
    )


def _run(size: str, database: str) -> dict[str, Any]:
    home = BENCH_HOME / f"contacts-{database}-{size}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    # Never the caller's database (a test run on PostgreSQL exports DATABASE_URL): a scratch one always.
    env = {"HONGYIXING_HOME": str(home), "DATABASE_URL": f"sqlite:///{home / 'bench.sqlite3'}"}
    scratch = f"hy_bench_contacts_{size}"
    if database == "postgresql":
        env["DATABASE_URL"] = postgres_database(scratch)
    try:
        _wall, rss, out = run_child(CODE.format(args=SIZES[size]), env)
    finally:
        if database == "postgresql":
            drop_postgres_database(scratch)
        shutil.rmtree(home, ignore_errors=True)
    result: dict[str, Any] = json.loads(
        next(line[7:] for line in out.splitlines() if line.startswith("RESULT "))
    )
    result["peak_rss_mib"] = round(rss / 2**20)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench contacts")
    parser.add_argument("--smoke", action="store_true", help="a size that runs in seconds")
    parser.add_argument("--size", choices=sorted(SIZES), help="full (default), quarter or smoke")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--judge", type=int, help="contacts to turn into work (default: the size's)")
    args = parser.parse_args(argv)
    size = "smoke" if args.smoke else args.size or "full"
    if args.judge:
        SIZES[size]["judge"] = args.judge
    metrics: dict[str, Any] = {}
    baselines: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for database in args.databases.split(","):
        key = f"{database}_{size}"
        r = _run(size, database)
        metrics[key] = r
        baselines[key] = {
            "hood_cte_p95_ms": r["hood_cte"]["p95_ms"],
            "hood_ratio_vs_cte": round(r["hood"]["p95_ms"] / r["hood_cte"]["p95_ms"], 2)
            if r["hood_cte"]["p95_ms"]
            else None,
            "chain_cte_p95_ms": r["chain_cte"]["p95_ms"],
            "chain_ratio_vs_cte": round(r["chain"]["p95_ms"] / r["chain_cte"]["p95_ms"], 2)
            if r["chain_cte"]["p95_ms"]
            else None,
        }
        targets[f"{key}_hood_p95_ms"] = target(r["hood"]["p95_ms"], 50)
        targets[f"{key}_chain_p95_ms"] = target(r["chain_served"]["p95_ms"], 300)
        targets[f"{key}_judge_10k_s"] = target(r["judge_seconds"] * 10_000 / max(1, r["judge_contacts"]), 10)
    emit("contacts", metrics, baselines, targets)
