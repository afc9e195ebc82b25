"""Browsing hot: the district tree page with live counts, and person search (name prefix, full ID,
phone), against the raw GROUP BY the pre-aggregated counters replace (the baseline).

Also the person list (``core.lists``) with filters and a sort: a surname newest first (its total
capped), a town's floating population by name, a town's persons under an active measure newest first.

Targets (issue 2): tree page p95 ≤ 200 ms; person search p95 ≤ 50 ms — at 285k and at 4.5M persons;
(issue 16) the filtered, sorted person list p95 ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench.common import emit, run_child, target
from bench.district import district_cache

MEASURE_CODE = r"""
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
from bench.state import district
district({persons})
from django.conf import settings
settings.ALLOWED_HOSTS = ["testserver"]
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Substr
from django.test import Client
from hongyixing.accounts.middleware import SESSION_SECOND_FACTOR
from hongyixing.accounts.models import User
from hongyixing.people.models import Person
from hongyixing.core.crypto import unseal
from bench.common import timed, summary_ms

if connection.vendor == "postgresql":
    with connection.cursor() as c:
        c.execute("ANALYZE")
user = User.objects.get(username="district")
client = Client()
client.force_login(user)
session = client.session
session[SESSION_SECOND_FACTOR] = True
session.save()
sample = Person.objects.exclude(document_ciphertext="").order_by("id")[Person.objects.count() // 2]
plain_id = unseal(sample.document_ciphertext)
phone = sample.phones.first()
plain_phone = unseal(phone.ciphertext) if phone else plain_id
surname = sample.name[:1]

def get(url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response

def raw_group_by():
    return list(Person.objects.filter(unit_path__startswith="320813").annotate(t=Substr("unit_path", 1, 9))
                .values("t").annotate(n=Count("id")).order_by("t"))

results = {{
    "persons": Person.objects.count(),
    "tree_page": summary_ms(timed(lambda: get("/areas/units/320813/"), {repeat})),
    "search_name_prefix": summary_ms(timed(lambda: get("/people/", q=surname + sample.name[1:2]), {repeat})),
    "search_full_id": summary_ms(timed(lambda: get("/people/", q=plain_id), {repeat})),
    "search_phone": summary_ms(timed(lambda: get("/people/", q=plain_phone), {repeat})),
    # The person list (core.lists) with filters and a sort: a surname across the scope, newest first
    # (its total capped); a town's floating population under an active measure, by name.
    "list_surname_newest": summary_ms(timed(lambda: get("/people/", q=surname, sort="newest"), {repeat})),
    "list_town_floating_by_name": summary_ms(timed(
        lambda: get("/people/", town=sample.unit_path[:9], residency="floating", sort="name"), {repeat})),
    "list_town_under_measure_newest": summary_ms(timed(
        lambda: get("/people/", town=sample.unit_path[:9], measure="1", sort="newest"), {repeat})),
    "baseline_raw_group_by": summary_ms(timed(raw_group_by, max(5, {repeat} // 5), warmup=1)),
}}
print("RESULT " + json.dumps(results))
"""


LIST_PAGES = ("list_surname_newest", "list_town_floating_by_name", "list_town_under_measure_newest")


def _measure(database: str, persons: int, repeat: int, smoke: bool) -> dict[str, Any]:
    cache = district_cache(database, persons, smoke)
    try:
        _wall, rss, out = run_child(MEASURE_CODE.format(persons=persons, repeat=repeat), cache.env)
    finally:
        cache.close()
    result = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT ")))
    result["peak_rss_mib"] = round(rss / 2**20)
    print(
        f"{database:>10} {result['persons']:>9,} persons: tree p95 {result['tree_page']['p95_ms']} ms, "
        f"search name/id/phone p95 {result['search_name_prefix']['p95_ms']}/"
        f"{result['search_full_id']['p95_ms']}/{result['search_phone']['p95_ms']} ms; "
        f"raw GROUP BY p50 {result['baseline_raw_group_by']['p50_ms']} ms; "
        f"person list p95 {'/'.join(str(result[k]['p95_ms']) for k in LIST_PAGES)} ms"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench browse")
    parser.add_argument("--persons", default="285000", help="comma-separated scales, e.g. 285000,4500000")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--smoke", action="store_true", help="1,000 persons, 3 calls, throwaway database")
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons, args.repeat = "1000", 3
    metrics: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    baselines: dict[str, Any] = {}
    for database in args.databases.split(","):
        for persons in (int(p) for p in args.persons.split(",")):
            key = f"{database}_{persons}"
            result = _measure(database, persons, args.repeat, args.smoke)
            metrics[key] = result
            tree = result["tree_page"]["p95_ms"]
            raw = result["baseline_raw_group_by"]["p50_ms"]
            baselines[key] = {
                "raw_group_by_p50_ms": raw,
                "ratio_tree_p50_to_raw": round(result["tree_page"]["p50_ms"] / raw, 3) if raw else None,
            }
            targets[f"{key}_tree_p95_ms"] = target(tree, 200)
            worst_search = max(
                result[k]["p95_ms"] for k in ("search_name_prefix", "search_full_id", "search_phone")
            )
            targets[f"{key}_search_p95_ms"] = target(worst_search, 50)
            lists = [k for k in LIST_PAGES if k in result]
            if lists:
                worst = max(lists, key=lambda k: result[k]["p95_ms"])
                targets[f"{key}_list_worst_p95_ms"] = target(result[worst]["p95_ms"], 200) | {"page": worst}
    emit("browse", metrics, baselines, targets)
