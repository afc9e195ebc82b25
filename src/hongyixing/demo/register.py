"""The demo register through the importer, in slices of whole households; on both cores when it can.

A full district is 285,000 rows: one import of ~``PERSON_CHUNK`` rows at a time bounds the memory.
Each slice is read, checked and planned (CSV parsing, ID and phone checks, blind indexes, look-ups of
what is on file) before anything is written, and that part needs no lock. So, when the seed runs in
autocommit on a database that other processes can open, the slices go to ``workers`` processes:
while one writes slice *k*, another plans slice *k + 1* and this process generates the next ones.

The writes still happen one slice at a time **in file order** (a turn passed from slice to slice,
``_Turn``), so the rows get the same ids as in one process and a seed stays deterministic. A slice's
plan cannot depend on the slice before it: households are whole within a slice and ID numbers are
unique across the register (a duplicate would fail the import instead of being merged). A slice in
error stops every later slice from writing, as the one-process loop does.

``beside``: work that needs only the register's first persons (the economy scenario draws its
returning staff from them). On PostgreSQL with workers it runs in a thread of this process once that
many persons are written, beside the rest of the register — while a slice waits for its turn the
machine has a core to spare; otherwise it runs after the register. It writes the same rows either
way; only the change log's and the events' ids interleave with the register's.
"""

from __future__ import annotations

import contextvars
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection

from hongyixing.accounts.admin_services import import_context
from hongyixing.areas.models import Household
from hongyixing.core.context import current_request_id
from hongyixing.demo import files, register_worker
from hongyixing.demo.plan import DistrictPlan
from hongyixing.demo.population import HouseholdDraft
from hongyixing.exchange.importer import NEW, run_import
from hongyixing.people.models import Person, PersonPhone

PERSON_CHUNK = 20_000  # register rows per import: bounds the memory a full-size seed needs


def import_file(
    kind: str, data: bytes, filename: str, *, write_slot: Any = None
) -> tuple[dict[str, int], list[str]]:
    """One file through the importer with the command line's context; (counts, first errors)."""
    context = import_context(None)  # the command line's: the whole district
    if context is None:
        raise RuntimeError("the command line may import anywhere")
    report = run_import(kind, data, filename, context, dry_run=False, write_slot=write_slot)
    return report.counts, [] if report.applied else [str(e) for e in report.error_lines()[:3]]


def import_rows(kind: str, headers: list[str], rows: list[list[str]]) -> dict[str, int]:
    """One file, applied; a row in error is a bug in the generator."""
    counts, errors = import_file(kind, files.csv_bytes(headers, rows), f"{kind}.csv")
    if errors:
        raise RuntimeError(f"the demo {kind} did not import: {errors}")
    return counts


def default_workers() -> int:
    """One worker per core this process may use, at most two: the writes are one at a time anyway."""
    return min(2, len(os.sched_getaffinity(0)))


@dataclass
class Loaded:
    households: int
    persons: int
    workers: int  # 0: loaded in this process
    worker_peak_rss: int  # bytes, the workers' peaks summed
    beside: Any = None  # what ``beside`` returned
    overlapped: bool = False  # ``beside`` ran beside the register's later slices


@dataclass(frozen=True)
class Beside:
    """Work for ``load_register`` to run once ``after`` persons are written (see the module's doc)."""

    work: Callable[[], Any]
    after: int


def load_register(
    plan: DistrictPlan,
    drafts: Iterator[HouseholdDraft],
    log: Callable[[str], None],
    *,
    workers: int,
    chunk: int = PERSON_CHUNK,
    beside: Beside | None = None,
) -> Loaded:
    slices = _slices(plan, drafts, chunk)
    first_two = list(itertools.islice(slices, 2))
    slices = itertools.chain(first_two, slices)
    if workers > 1 and len(first_two) > 1 and _can_share_database():  # one slice: no one to overlap
        loaded = _load_in_workers(slices, log, workers, beside)
    else:
        totals = _Totals(log)
        for rows in slices:
            new = import_rows("residents", files.RESIDENT_HEADERS, rows)[NEW]
            totals.add(len({row[4] for row in rows}), new)
        loaded = Loaded(totals.households, totals.persons, 0, 0)
    if beside and not loaded.overlapped:
        loaded.beside = beside.work()
    return loaded


def _slices(plan: DistrictPlan, drafts: Iterator[HouseholdDraft], chunk: int) -> Iterator[list[list[str]]]:
    batch: list[list[str]] = []
    for rows in files.resident_rows(plan, drafts):
        batch.extend(rows)
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch


class _Totals:
    """The running count, logged, and PostgreSQL's statistics renewed each time the register doubles."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.households = self.persons = 0
        self.analysed_at = PERSON_CHUNK  # the register's size at the last ANALYZE (none yet)

    def add(self, households: int, persons: int) -> None:
        self.households += households
        self.persons += persons
        self.log(f"  {self.households} households, {self.persons} persons")
        if self.persons >= 2 * self.analysed_at:
            _analyse_register()
            self.analysed_at = self.persons


def _analyse_register() -> None:
    """PostgreSQL: fresh statistics for the tables the register grows, each time it has doubled.

    Inside one transaction (a bench's cached stage) autovacuum never sees the seed's rows, so the
    planner keeps the sizes of an empty register and the importer's look-ups (``document_index IN
    (…)``, households by number) turn into scans that get slower with every slice: ~550 persons/s and
    falling at 1.75 M. ANALYZE counts the rows it inserted; doubling keeps the total cost linear."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Person, PersonPhone, Household):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _can_share_database() -> bool:
    """Other processes see what this one committed: autocommit, and a database they can open."""
    if connection.in_atomic_block:
        return False  # a test's or a bench stage's transaction: nobody else sees its tree
    if connection.vendor == "sqlite":
        return not cast(Any, connection).is_in_memory_db()  # the sqlite3 backend's own method
    return connection.vendor == "postgresql"


@contextmanager
def unflushed_commits() -> Iterator[None]:
    """PostgreSQL: this connection's commits do not wait for their WAL flush while the demo is seeded
    (the seeding process's, and the thread's of ``Beside``).

    The scenarios go through the services a record at a time (thousands of small transactions), and
    each commit would wait for the disk. ``synchronous_commit = off`` loses no consistency (a crash
    loses the last few hundred milliseconds of commits, never half of one) and a demo seed that dies
    is simply run again; ordinary requests are untouched (a setting of this connection only)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        if not connection.needs_rollback and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


# --- The workers --------------------------------------------------------------------------------------


def _own_connection(work: Callable[[], Any]) -> Any:
    """``work`` in a thread: its own connection (``connection`` is per thread), closed after."""
    try:
        with unflushed_commits():
            return work()
    finally:
        connection.close()


def _load_in_workers(
    slices: Iterator[list[list[str]]], log: Callable[[str], None], workers: int, beside: Beside | None
) -> Loaded:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connection
    condition = context.Condition()
    turn = context.Value("i", 0, lock=False)  # the slice whose turn it is to write; guarded by condition
    failed = context.Value("b", 0, lock=False)
    init = (connection.settings_dict["NAME"], current_request_id(), condition, turn, failed)
    totals = _Totals(log)
    errors: list[str] = []
    peaks: dict[int, int] = {}
    pending: list[tuple[Future[register_worker.Result], int]] = []
    # Beside the register only on PostgreSQL: on SQLite its writes would queue for the one write lock.
    side = ThreadPoolExecutor(1) if beside and connection.vendor == "postgresql" else None
    beside_future: Future[Any] | None = None

    def collect() -> None:
        nonlocal beside_future
        if beside_future is not None and beside_future.done() and beside_future.exception():
            failed.value = 1  # the seed fails: the later slices refuse instead of being written
            raise RuntimeError("the work beside the register failed") from beside_future.exception()
        future, households = pending.pop(0)
        if future.cancelled():
            return
        result = future.result()
        peaks[result.pid] = max(peaks.get(result.pid, 0), result.peak_rss)
        if result.errors:
            errors.extend(result.errors[: 3 - len(errors)])
            return
        totals.add(households, result.persons)
        if (
            side
            and beside
            and not (beside_future or errors or failed.value)
            and totals.persons >= beside.after
        ):
            run = contextvars.copy_context().run  # the seed's request id on its audit rows
            beside_future = side.submit(run, _own_connection, beside.work)

    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=register_worker.start, initargs=init
        ) as pool:
            for number, rows in enumerate(slices):
                while len(pending) > workers:  # generating runs at most one slice per worker ahead (memory)
                    collect()
                if failed.value:  # a slice was refused: the rest would be read and planned for nothing
                    break
                data = files.csv_bytes(files.RESIDENT_HEADERS, rows)
                pending.append(
                    (pool.submit(register_worker.import_slice, number, data), len({row[4] for row in rows}))
                )
                del rows, data
            if failed.value:
                for future, _households in pending:
                    future.cancel()  # those not started yet
            while pending:
                collect()
    finally:
        if side:
            side.shutdown()  # waits for ``beside``: nothing of the seed is left running
    if errors:
        raise RuntimeError(f"the demo residents did not import: {errors}")
    loaded = Loaded(totals.households, totals.persons, workers, sum(peaks.values()))
    if beside_future is not None:
        loaded.beside, loaded.overlapped = beside_future.result(), True
    return loaded
