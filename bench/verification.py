# ruff: noqa: E501
"""W1: from a push-list file to created tasks — link quality, routing accuracy, abstain rate, speed.

A registry is seeded once per scale (cached under var/bench/), push lists with ground truth are made by
`demo.pushlist` (noise rates from the issue, not tuned to the matcher), uploaded through the real intake
path (`verification.intake.intake_file`) inside a transaction that is rolled back, and scored. The
baseline in the same run is an exact-ID-only cascade (valid ID → registry → household grid). Splink on
DuckDB runs in the same child on the same rows (a bench-only extra, never a runtime dependency), with
the same blocking rules as our cascade (ID, phone, name), trained the usual way (u by random sampling,
m by EM) and each list row taking its best match above 0.5.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench.common import emit, run_child, target
from bench.district import district_cache

CODE = r"""
import gc, io, json, os, time, resource
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
from bench.state import district
district({persons})
from django.db import transaction
from hongyixing.people.models import Person
from hongyixing.core.crypto import blind_index
from hongyixing.people import idnumbers
from hongyixing.demo.pushlist import HEADERS, push_rows, residents
from hongyixing.exchange.writers import write_xlsx

pool = residents({persons}, 2020)
made = list(push_rows(pool, {rows}, seed=7))
buffer = io.BytesIO()
write_xlsx(buffer, HEADERS, [cells for cells, _ in made], sheet_name="协查名单")
data = buffer.getvalue()
truths = [truth for _, truth in made]

# Ground truth in the registry: ID → (person id, unit path, grid id), one query per 500 IDs.
wanted = sorted({{blind_index("id", t.id_number) for t in truths if not t.outside}})
home = {{}}
for start in range(0, len(wanted), 500):
    for pk, index, path, grid in Person.objects.filter(document_index__in=wanted[start:start + 500]).values_list(
            "id", "document_index", "unit_path", "grid_id"):
        home[index] = (pk, path, grid)

from hongyixing.accounts.models import User
from hongyixing.verification.intake import intake_file
from hongyixing.verification.models import PushRow, PushSource
from hongyixing.core.context import request_context

user = User.objects.get(username="district")
source = PushSource.objects.get(code="province-big-data")
scored = {{}}
# The bench's own data (a million-resident pool, the list and its truths) is not in a server's heap:
# frozen, the collector does not walk it again and again while the intake allocates.
gc.collect()
gc.freeze()
with transaction.atomic():
    start, cpu_start = time.perf_counter(), time.process_time()
    with request_context():
        result = intake_file(user, source, data, "bench.xlsx", category="itinerary", title="W1")
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    rows = {{r["row_number"]: r for r in PushRow.objects.filter(batch=result.batch).values(
        "row_number", "status", "person_id", "unit_path", "grid_id")}}
    linked_ids = sorted({{r["person_id"] for r in rows.values() if r["person_id"]}})
    document_of = {{}}
    for start in range(0, len(linked_ids), 500):
        document_of.update(Person.objects.filter(id__in=linked_ids[start:start + 500]).values_list("id", "document_index"))
    transaction.set_rollback(True)
# The process's peak through the intake (the bench's pool included), before Splink's DuckDB joins it.
intake_rss_mib = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

# Rows linked to a resident whose ID is not the valid ID number written on the row (target 0).
def contradicting_links():
    count = 0
    for number, (cells, _truth) in enumerate(made, start=2):
        person = rows[number]["person_id"]
        if not person:
            continue
        try:
            written = idnumbers.parse(cells[2]).number
        except idnumbers.IdNumberError:
            continue
        count += document_of.get(person) != blind_index("id", written)
    return count

def score(link_of, place_of):
    tp = fp = fn = 0
    routed = town = village = grid = abstain = residents_n = outside_ok = outside_n = 0
    for number, truth in enumerate(truths, start=2):
        row = rows[number]
        if truth.outside:
            outside_n += 1
            outside_ok += link_of(row) is None
            fp += link_of(row) is not None
            continue
        residents_n += 1
        expected = home.get(blind_index("id", truth.id_number))
        got = link_of(row)
        if got is not None and expected is not None and got == expected[0]:
            tp += 1
        elif got is not None:
            fp += 1
        else:
            fn += 1
        place = place_of(row)
        if place is None:
            abstain += 1
            continue
        routed += 1
        town += place[0][:9] == expected[1][:9]
        village += place[0][:12] == expected[1][:12]
        grid += place[1] == expected[2]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    manual = sum(rows[n]["status"] == "manual" for n, t in enumerate(truths, start=2) if not t.outside)
    return {{"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "routing_town": round(town / routed, 4) if routed else 0, "routing_village": round(village / routed, 4) if routed else 0,
            "routing_grid": round(grid / routed, 4) if routed else 0, "abstain_rate": round(abstain / residents_n, 4),
            "manual_queue_rate": round(manual / residents_n, 4), "outside_rows": outside_n, "resident_rows": residents_n}}

# A row on a village's (or town's) desk is placed there, without a grid yet: it counts for the town
# and village accuracy and as a miss for the grid.
ours = score(lambda r: r["person_id"], lambda r: (r["unit_path"], r["grid_id"]) if r["unit_path"] and r["status"] in ("tasked", "merged") else None)
ours["contradicting_links"] = contradicting_links()

# Baseline: exact, valid ID only; routed only through the registered household.
cells_by_row = {{n: cells for n, (cells, _t) in enumerate(made, start=2)}}
def exact_id(row):
    raw = cells_by_row[row["row_number"]][2]
    try:
        number = idnumbers.parse(raw).number
    except idnumbers.IdNumberError:
        return None
    hit = home.get(blind_index("id", number))
    return hit
baseline = score(lambda r: (exact_id(r) or (None,))[0], lambda r: (exact_id(r)[1], exact_id(r)[2]) if exact_id(r) else None)
# Splink on DuckDB, same rows, same blocking rules; timed from prepared tables to best matches.
def splink_f1():
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    def digits(text):
        return "".join(ch for ch in idnumbers.normalise(text) if ch.isalnum()) or None

    left = [{{"unique_id": i, "name": p.name, "id_number": p.id_number, "phone": p.phone or None,
              "address": p.place.canonical}} for i, p in enumerate(pool)]
    right = [{{"unique_id": 10_000_000 + n, "name": cells[1], "id_number": digits(cells[2]),
               "phone": digits(cells[3]), "address": cells[4]}} for n, (cells, _t) in enumerate(made, start=2)]
    started = time.perf_counter()
    db = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[block_on("id_number"), block_on("phone"), block_on("name")],
        comparisons=[cl.ExactMatch("id_number"), cl.ExactMatch("phone"),
                     cl.JaroWinklerAtThresholds("name", [0.9, 0.7]), cl.LevenshteinAtThresholds("address", [3, 8])],
    )
    linker = Linker([db.register(left), db.register(right)], settings, log_level="ERROR")
    linker.training.estimate_probability_two_random_records_match([block_on("id_number")], recall=0.85)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    best = {{}}
    for pair in linker.inference.predict(threshold_match_probability=0.5).as_record_list():
        key = pair["unique_id_r"] if pair["unique_id_r"] >= 10_000_000 else pair["unique_id_l"]
        other = pair["unique_id_l"] if key == pair["unique_id_r"] else pair["unique_id_r"]
        if key not in best or pair["match_probability"] > best[key][0]:
            best[key] = (pair["match_probability"], other)
    seconds = time.perf_counter() - started
    tp = fp = fn = 0
    for n, (_cells, truth) in enumerate(made, start=2):
        hit = best.get(10_000_000 + n)
        linked = pool[hit[1]].id_number if hit else None
        if truth.outside:
            fp += linked is not None
        elif linked == truth.id_number:
            tp += 1
        elif linked is not None:
            fp += 1
        else:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {{"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "seconds": round(seconds, 2), "rows_per_s": round({rows} / seconds)}}

splink_result = splink_f1() if os.environ.get("BENCH_SPLINK", "1") == "1" else None
usage = resource.getrusage(resource.RUSAGE_SELF)
print("RESULT " + json.dumps({{"rows": {rows}, "seconds": round(seconds, 2), "rows_per_s": round({rows} / seconds),
                              "cpu_seconds": round(cpu_seconds, 2), "rows_per_cpu_s": round({rows} / cpu_seconds),
                              "intake_peak_rss_mib": intake_rss_mib,
                              "counts": result.counts, "ours": ours, "exact_id_baseline": baseline,
                              "splink": splink_result}}))
"""


def _run(persons: int, rows: int, database: str, smoke: bool, splink: bool) -> dict[str, Any]:
    cache = district_cache(database, persons, smoke)
    try:
        env = {**cache.env, "BENCH_SPLINK": "1" if splink else "0"}
        _wall, rss, out = run_child(CODE.format(persons=persons, rows=rows), env)
    finally:
        cache.close()
    result = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT ")))
    result["peak_rss_mib"] = round(rss / 2**20)
    ours, base = result["ours"], result["exact_id_baseline"]
    print(
        f"{database} {persons:,} persons, {rows:,} rows: {result['rows_per_s']:,} rows/s end to end "
        f"({result['rows_per_cpu_s']:,} per CPU second of the intake process), "
        f"F1 {ours['f1']} (exact-ID baseline {base['f1']}), grid routing {ours['routing_grid']} "
        f"(baseline {base['routing_grid']}), village {ours['routing_village']}, manual queue {ours['manual_queue_rate']}, "
        f"contradicting links {ours['contradicting_links']}, abstain {ours['abstain_rate']} (baseline {base['abstain_rate']}), "
        f"peak RSS {result['intake_peak_rss_mib']} MiB through the intake ({result['peak_rss_mib']} MiB for the whole bench process)"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench verification")
    parser.add_argument("--persons", type=int, default=285_000)
    parser.add_argument("--rows", default="10000", help="comma-separated list sizes, e.g. 10000,100000")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink comparison")
    parser.add_argument(
        "--smoke", action="store_true", help="1,000 persons, 200 rows, no Splink, throwaway database"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons, args.rows, args.no_splink = 1000, "200", True
    metrics: dict[str, Any] = {}
    baselines: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for database in args.databases.split(","):
        for rows in (int(r) for r in args.rows.split(",")):
            key = f"{database}_{args.persons}_{rows}"
            result = _run(args.persons, rows, database, args.smoke, not args.no_splink)
            metrics[key] = result
            splink = result.get("splink") or {}
            baselines[key] = {
                "exact_id_f1": result["exact_id_baseline"]["f1"],
                "f1_ratio": round(result["ours"]["f1"] / result["exact_id_baseline"]["f1"], 3)
                if result["exact_id_baseline"]["f1"]
                else None,
                "splink_f1": splink.get("f1"),
                "splink_rows_per_s": splink.get("rows_per_s"),
                "speed_ratio_vs_splink": round(result["rows_per_s"] / splink["rows_per_s"], 2)
                if splink
                else None,
            }
            ours = result["ours"]
            if splink:
                targets[f"{key}_f1_vs_splink"] = {
                    "target": splink["f1"],
                    "value": ours["f1"],
                    "met": ours["f1"] >= splink["f1"],
                }
                targets[f"{key}_speed_vs_splink"] = {
                    "target": 3.0,
                    "value": baselines[key]["speed_ratio_vs_splink"],
                    "met": baselines[key]["speed_ratio_vs_splink"] >= 3.0,
                }
            targets[f"{key}_f1"] = {"target": 0.995, "value": ours["f1"], "met": ours["f1"] >= 0.995}
            targets[f"{key}_grid_routing"] = {
                "target": 0.98,
                "value": ours["routing_grid"],
                "met": ours["routing_grid"] >= 0.98,
            }
            targets[f"{key}_abstain"] = target(ours["abstain_rate"], 0.02)
            targets[f"{key}_manual_queue"] = target(ours["manual_queue_rate"], 0.02)
            targets[f"{key}_village_routing"] = {
                "target": 0.99,
                "value": ours["routing_village"],
                "met": ours["routing_village"] >= 0.99,
            }
            targets[f"{key}_contradicting_links"] = target(ours["contradicting_links"], 0)
            if rows >= 100_000:
                targets[f"{key}_rows_per_s"] = {
                    "target": 10_000,
                    "value": result["rows_per_s"],
                    "met": result["rows_per_s"] >= 10_000,
                }
                targets[f"{key}_peak_rss_mib"] = target(result["intake_peak_rss_mib"], 2048)
    emit("verification", metrics, baselines, targets)
