"""Profile W1's intake path in process: the same list as ``python -m bench verification`` (same
generator, same seed) uploaded through ``intake_file`` inside a rolled-back transaction, under
cProfile. Run against W1's cached registry:

    python -m bench.profile_verification --persons 1000000 --rows 100000 [--top 40] [--no-profile]

(``python -m bench verification`` with the same --persons builds the cache first.) Prints the wall
and CPU seconds of the intake, then the profile's top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import re
import time
from collections import defaultdict
from contextlib import nullcontext
from typing import Any


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_verification")
    parser.add_argument("--persons", type=int, default=285_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-profile", action="store_true", help="time the intake only")
    parser.add_argument("--queries", action="store_true", help="sum the SQL time by statement shape")
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() the bench's own data first")
    parser.add_argument("--phases", action="store_true", help="time the intake's main steps")
    parser.add_argument(
        "--smoke", action="store_true", help="1,000 persons, 200 rows, throwaway database (make test runs it)"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons, args.rows, args.top = 1000, 200, 5

    from bench.district import district_cache

    cache = district_cache(args.database, args.persons, smoke=args.smoke)
    os.environ.update(cache.env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
    try:
        _profile(args)
    finally:
        cache.close()


def _profile(args: argparse.Namespace) -> None:
    from bench.state import district

    district(args.persons)
    from django.db import connection, transaction

    from hongyixing.accounts.models import User
    from hongyixing.core.context import request_context
    from hongyixing.demo.pushlist import HEADERS, push_rows, residents
    from hongyixing.exchange.writers import write_xlsx
    from hongyixing.verification.intake import intake_file
    from hongyixing.verification.models import PushSource

    pool = residents(args.persons, 2020)
    made = list(push_rows(pool, args.rows, seed=7))
    buffer = io.BytesIO()
    write_xlsx(buffer, HEADERS, [cells for cells, _ in made], sheet_name="协查名单")
    data = buffer.getvalue()
    if args.freeze:
        gc.collect()
        gc.freeze()
    user = User.objects.get(username="district")
    source = PushSource.objects.get(code="province-big-data")
    phases: dict[str, float] = defaultdict(float)
    if args.phases:
        _time_phases(phases)
    profiler = None if args.no_profile else cProfile.Profile()
    shapes: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def timing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = re.sub(r"(%s, )+%s", "…", sql)[:150]
            shapes[shape][0] += 1
            shapes[shape][1] += time.perf_counter() - started

    with transaction.atomic(), connection.execute_wrapper(timing) if args.queries else nullcontext():
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        with request_context():
            result = intake_file(user, source, data, "bench.xlsx", category="itinerary", title="W1")
        if profiler:
            profiler.disable()
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        transaction.set_rollback(True)
    print(
        f"{args.rows:,} rows: {seconds:.2f} s wall ({args.rows / seconds:,.0f} rows/s), "
        f"{cpu_seconds:.2f} s CPU of this process; counts {result.counts}"
    )
    for name, spent in sorted(phases.items(), key=lambda item: -item[1]):
        print(f"{spent:8.3f} s {name}")
    for shape, (count, spent) in sorted(shapes.items(), key=lambda item: -item[1][1])[:25]:
        print(f"{spent:8.3f} s {count:6d}× {shape}")
    if profiler:
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            print(out.getvalue())


def _time_phases(phases: dict[str, float]) -> None:
    """Wrap the intake's steps where the intake looks them up, adding their wall seconds to ``phases``."""
    import functools

    from hongyixing.core import audit
    from hongyixing.verification import intake, linking
    from hongyixing.verification.services import intake as service

    def wrap(module: Any, name: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[name] += time.perf_counter() - started

        setattr(module, name, timed)

    for module, names in (
        (intake, ("read_table", "apply_mapping")),
        (linking, ("prepare", "link", "link_by_place")),
        (service, ("_decide_routes", "insert_returning_ids", "instances", "rules_in_force")),
        (audit, ("log_bulk_create", "emit_bulk")),
    ):
        for name in names:
            wrap(module, name)


if __name__ == "__main__":
    main()
