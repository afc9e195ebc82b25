"""W2: check-ins under load on the production server, against a raw-SQL insert on the same server.

PostgreSQL seeded at district scale (285,000 persons, one active measure each, 30 days × 2 checks ≈ 17 M
rows; cached in ``hongyixing_bench_w2`` with its state under ``var/bench/checkins/``), the server
started with the very gunicorn command ``make demo`` uses (``hongyixing.cli._server_command``: 2
workers × 4 threads, gthread, access log on), and an open-model load generator on loopback
(``bench/http_load.py``): 75 % single check-ins, 10 % batches of 50 with 5 % replayed client ids,
10 % "my people today", 5 % measure (person) pages, each request from one of the grid workers'
API tokens. Arrival rates are stepped up; each step is bounded in time.

Baseline in the same run: the same mix with the writes sent to ``POST /bench/raw-checks``
(``bench/baseline_wsgi.py``, one INSERT … ON CONFLICT DO NOTHING, no auth) on the same gunicorn.

``--fault``: the server's process group is SIGKILLed ``--kills`` times under write load and
restarted; clients retry each unacknowledged request with the same client ids until acknowledged;
afterwards every acknowledged check must be stored exactly once under the acknowledged id.

Targets (issues 4 and 16): ≥ 1,000 acknowledged check-ins/s on 2 cores with the check-in requests at
p99 ≤ 100 ms and "my people today" at p95 ≤ 150 ms (a step meeting both with no error is *sustained*);
≥ 70 % of the baseline's throughput; 0 duplicates; after the fault run every acknowledged check
present, none twice.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import ROOT, Cache, code_version, emit, percentile, run_child
from bench.http_load import Client, RunResult, open_model

# Set by main() from the bench's cache (bench.common.Cache): the database and home of this run.
DATABASE_URL = ""
HOME = Path()
PRODUCT_PATH = "/api/control/checks"
BASELINE_PATH = "/bench/raw-checks"
BATCH = 50
REPLAY_SHARE = 0.05
REQUEST_TIMEOUT = 10.0
# A step is sustained when the check-in requests' p99 and "my people today"'s p95 are within these.
CHECKIN_P99_MS = 100.0
TODAY_P95_MS = 150.0
CHECKIN_ROUTES = ("checks_single", "checks_batch")
# Mean check-ins per request in the mix (75 % × 1 + 10 % × 50), to turn check-ins/s into requests/s.
CHECKINS_PER_REQUEST = 0.75 + 0.10 * BATCH
WRITES_PER_REQUEST_FAULT = (0.75 + 0.10 * BATCH) / 0.85

SEED_CODE = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
from pathlib import Path
from bench.checkins_seed import seed
state = seed({persons}, Path({state!r}), variant={variant!r}, days={days})
print("TOKENS", len(state["tokens"]))
"""


# ---------------------------------------------------------------------------------------------
# Database and server


def _env() -> dict[str, str]:
    return {**os.environ, "HONGYIXING_HOME": str(HOME), "DATABASE_URL": DATABASE_URL}


def _seed(persons: int, variant: str, days: int) -> dict[str, Any]:
    state_file = HOME / "state.json"
    wall, _rss, out = run_child(
        SEED_CODE.format(persons=persons, state=str(state_file), variant=variant, days=days),
        {"HONGYIXING_HOME": str(HOME), "DATABASE_URL": DATABASE_URL},
    )
    print("\n".join(line for line in out.splitlines() if line.startswith(("  ", "TOKENS"))))
    print(f"seed/check of the cached database: {wall:.0f} s")
    return dict(json.loads(state_file.read_text()))


def _reset(state: dict[str, Any]) -> int:
    """Remove the rows earlier runs added, so every run starts from the seeded 17 M."""
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        removed = conn.execute(
            "DELETE FROM control_healthcheck WHERE id > %s", [state["seed_max_check_id"]]
        ).rowcount
        conn.execute("DELETE FROM control_alert")  # none expected: the load sends normal temperatures
        if removed:
            conn.execute("VACUUM (ANALYZE) control_healthcheck")
        total = conn.execute("SELECT count(*) FROM control_healthcheck").fetchone()
    print(f"health checks in the table: {total[0] if total else 0:,} (removed {removed:,} from earlier runs)")
    return int(total[0]) if total else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_command(port: int, workers: int) -> list[str]:
    """`make demo`'s gunicorn command, with the bench WSGI module (product + the raw path)."""
    from hongyixing.cli import _server_command as product_command

    command = product_command(f"127.0.0.1:{port}", workers)
    command[command.index("hongyixing.wsgi:application")] = "bench.baseline_wsgi:application"
    return command


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _postgres_backends() -> list[int]:
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(r[0]) for r in rows]


@dataclass
class CpuProbe:
    """CPU seconds spent during a step by the server (master and workers), by this database's
    PostgreSQL backends (not the shared WAL writer or checkpointer) and by the load generator: a
    figure the other sessions' load on the machine disturbs far less than the latencies do."""

    server_pid: int
    start: dict[str, dict[int, float]] = field(default_factory=dict)
    loadgen: float = 0.0

    def _read(self) -> dict[str, dict[int, float]]:
        server = [self.server_pid, *_children(self.server_pid)]
        return {
            "server": {pid: _proc_cpu(pid) for pid in server},
            "postgres": {pid: _proc_cpu(pid) for pid in _postgres_backends()},
        }

    def begin(self) -> None:
        self.start = self._read()
        self.loadgen = time.process_time()

    def end(self) -> dict[str, float]:
        now = self._read()
        spent = {
            side: sum(cpu - self.start[side].get(pid, 0.0) for pid, cpu in pids.items())
            for side, pids in now.items()
        }
        spent["loadgen"] = time.process_time() - self.loadgen
        return spent


PROBE: CpuProbe | None = None  # set by _load for the server it started


class Server:
    def __init__(self, port: int, workers: int) -> None:
        self.port = port
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = open(HOME / "server.log", "ab")  # noqa: SIM115 — lives as long as the server

    def start(self) -> None:
        self.proc = subprocess.Popen(
            _server_command(self.port, self.workers),
            cwd=ROOT,
            env=_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: master and workers die together
        )

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    async def ready(self, _client: Client | None = None, timeout: float = 180.0) -> float:
        """First answer to /healthz, on a connection of its own (not queued behind the load's)."""
        client = Client(self.port, max_connections=4)
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            try:
                if (await asyncio.wait_for(client.request("GET", "/healthz"), 30)).status == 200:
                    client.close()
                    return time.perf_counter() - started
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                pass
            await asyncio.sleep(0.05)
        raise SystemExit(f"the server did not answer within {timeout:.0f} s (see {HOME / 'server.log'})")


# ---------------------------------------------------------------------------------------------
# The mix


@dataclass
class Ledger:
    """What the server acknowledged: client id → check id, and the flags it answered with."""

    acked: dict[str, int] = field(default_factory=dict)
    fresh_acked: int = 0
    replays_acked: int = 0
    duplicate_after_retry: int = 0
    wrong_flags: int = 0
    id_mismatch: int = 0

    def record(self, sent: list[dict[str, Any]], replay: list[bool], body: Any, retried: bool) -> str:
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or len(results) != len(sent):
            return "bad response shape"
        problem = ""
        for check, is_replay, result in zip(sent, replay, results, strict=True):
            cid = check["client_id"]
            if result.get("client_id") != cid:
                return "results out of order"
            known = self.acked.get(cid)
            if known is not None and known != result["check_id"]:
                self.id_mismatch += 1
                problem = "a client id acknowledged with two check ids"
            self.acked[cid] = result["check_id"]
            if is_replay:
                self.replays_acked += 1
                if not result["duplicate"]:
                    self.wrong_flags += 1
                    problem = "a replayed id was not acknowledged as a duplicate"
            elif result["duplicate"]:
                if retried:
                    self.duplicate_after_retry += 1  # stored by an attempt whose answer was lost
                else:
                    self.wrong_flags += 1
                    problem = "a fresh id was acknowledged as a duplicate"
            else:
                self.fresh_acked += 1
        return problem


class Mix:
    def __init__(self, tokens: dict[str, dict[str, Any]], seed: int) -> None:
        self.rng = random.Random(seed)
        self.workers = [(key, info["measures"]) for key, info in sorted(tokens.items())]
        self.pool: list[list[dict[str, Any]]] = [[] for _ in self.workers]
        self.ledger = Ledger()
        self.zone = ZoneInfo("Asia/Shanghai")

    def _check(self, measure_id: int) -> dict[str, Any]:
        now = dt.datetime.now(self.zone)
        return {
            "client_id": str(uuid.uuid4()),
            "measure_id": measure_id,
            "temperature": round(36.0 + self.rng.random() * 0.9, 1),
            "symptoms": [],
            "day": now.date().isoformat(),
            "slot": "m" if now.hour < 14 else "e",
        }

    def writes(self, worker: int, batch: bool) -> tuple[list[dict[str, Any]], list[bool]]:
        _key, measures = self.workers[worker]
        if not batch:
            return [self._check(self.rng.choice(measures))], [False]
        pool = self.pool[worker]
        n_replay = sum(1 for _ in range(BATCH) if self.rng.random() < REPLAY_SHARE) if pool else 0
        replays = self.rng.sample(pool, min(n_replay, len(pool)))
        fresh = [self._check(m) for m in self.rng.sample(measures, min(BATCH - len(replays), len(measures)))]
        checks = fresh + replays
        flags = [False] * len(fresh) + [True] * len(replays)
        return checks, flags

    def remember(self, worker: int, checks: list[dict[str, Any]]) -> None:
        pool = self.pool[worker]
        pool.extend(checks)
        if len(pool) > 2000:
            del pool[: len(pool) - 2000]


@dataclass
class StepFigures:
    side: str
    offered_checkins_per_s: float
    requests_per_s: float
    seconds: float
    routes: dict[str, dict[str, Any]]
    p99_ms: float
    checkin_p99_ms: float
    today_p95_ms: float | None
    errors: int
    acked_checkins_per_s: float
    replays_acked: int
    wrong_flags: int
    loadgen_lag_p99_ms: float
    error_examples: list[str]
    cpu: dict[str, float]

    @property
    def sustained(self) -> bool:
        """The issue's reading: the check-in requests (single and batch) at p99 ≤ 100 ms and "my
        people today" at p95 ≤ 150 ms, with no error (every fresh check-in offered in the step was
        acknowledged). The step's p99 over every route is reported beside it (``p99_ms``)."""
        today_ok = self.today_p95_ms is None or self.today_p95_ms <= TODAY_P95_MS
        return (
            self.errors == 0 and self.wrong_flags == 0 and self.checkin_p99_ms <= CHECKIN_P99_MS and today_ok
        )


def _route_figures(result: RunResult) -> tuple[dict[str, dict[str, Any]], float, int, list[str]]:
    routes: dict[str, dict[str, Any]] = {}
    for name in sorted({s.route for s in result.samples}):
        samples = [s for s in result.samples if s.route == name]
        lat = [s.latency_ms for s in samples]
        routes[name] = {
            "requests": len(samples),
            "errors": sum(not s.ok for s in samples),
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
        }
    all_lat = [s.latency_ms for s in result.samples] or [0.0]
    errors = [s for s in result.samples if not s.ok]
    examples = sorted({e.detail for e in errors})[:5]
    return routes, round(percentile(all_lat, 99), 1), len(errors), examples


async def _step(
    client: Client,
    mix: Mix,
    side: str,
    checkins_per_s: float,
    seconds: float,
    seed: int,
    writes_only: bool = False,
) -> StepFigures:
    write_path = PRODUCT_PATH if side == "product" else BASELINE_PATH
    rate = checkins_per_s / (WRITES_PER_REQUEST_FAULT if writes_only else CHECKINS_PER_REQUEST)
    ledger = mix.ledger
    fresh_before, replays_before, wrong_before = ledger.fresh_acked, ledger.replays_acked, ledger.wrong_flags

    def headers(worker: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {mix.workers[worker][0]}"}

    def pick() -> tuple[str, Any]:
        worker = mix.rng.randrange(len(mix.workers))
        r = mix.rng.random() * (0.85 if writes_only else 1.0)
        if r < 0.85:
            batch = r >= 0.75
            checks, flags = mix.writes(worker, batch)

            async def write() -> tuple[bool, str]:
                body = json.dumps({"checks": checks}).encode()
                response = await asyncio.wait_for(
                    client.request("POST", write_path, body, headers(worker)), REQUEST_TIMEOUT
                )
                if response.status != 200:
                    return False, f"HTTP {response.status} {response.body[:120]!r}"
                problem = ledger.record(checks, flags, response.json(), retried=False)
                mix.remember(worker, checks)
                return not problem, problem

            return ("checks_batch" if batch else "checks_single"), write
        if r < 0.95:

            async def today() -> tuple[bool, str]:
                response = await asyncio.wait_for(
                    client.request("GET", "/api/control/today", None, headers(worker)), REQUEST_TIMEOUT
                )
                return response.status == 200, f"HTTP {response.status}"

            return "my_people_today", today
        measure = mix.rng.choice(mix.workers[worker][1])

        async def page() -> tuple[bool, str]:
            response = await asyncio.wait_for(
                client.request("GET", f"/api/control/measures/{measure}", None, headers(worker)),
                REQUEST_TIMEOUT,
            )
            return response.status == 200, f"HTTP {response.status}"

        return "measure_page", page

    if PROBE is not None:
        PROBE.begin()
    result = await open_model(rate, seconds, pick, seed=seed)
    cpu = PROBE.end() if PROBE is not None else {}
    requests = max(1, len(result.samples))
    cpu_ms = {f"{side}_cpu_ms_per_request": round(1000 * v / requests, 2) for side, v in cpu.items()}
    routes, p99, errors, examples = _route_figures(result)
    checkin_lat = [s.latency_ms for s in result.samples if s.route in CHECKIN_ROUTES] or [0.0]
    today_lat = [s.latency_ms for s in result.samples if s.route == "my_people_today"]
    acked = ledger.fresh_acked - fresh_before
    figures = StepFigures(
        side=side,
        offered_checkins_per_s=checkins_per_s,
        requests_per_s=round(result.offered / seconds, 1),
        seconds=seconds,
        routes=routes,
        p99_ms=p99,
        checkin_p99_ms=round(percentile(checkin_lat, 99), 1),
        today_p95_ms=round(percentile(today_lat, 95), 1) if today_lat else None,
        errors=errors,
        acked_checkins_per_s=round(acked / seconds, 1),
        replays_acked=ledger.replays_acked - replays_before,
        wrong_flags=ledger.wrong_flags - wrong_before,
        loadgen_lag_p99_ms=round(result.lag_p99_ms, 1),
        error_examples=examples,
        cpu=cpu_ms,
    )
    route_text = ", ".join(
        f"{name} p50/p95/p99 {r['p50_ms']}/{r['p95_ms']}/{r['p99_ms']} ms"
        + (f" ({r['errors']} errors)" if r["errors"] else "")
        for name, r in routes.items()
    )
    print(
        f"  {side:>8} offered {checkins_per_s:>6,.0f} check-ins/s ({figures.requests_per_s} req/s): "
        f"acknowledged {figures.acked_checkins_per_s:,.0f}/s, check-in p99 {figures.checkin_p99_ms} ms, "
        f"today p95 {figures.today_p95_ms} ms, all-route p99 {p99} ms, errors {errors}, "
        f"replays acked {figures.replays_acked}, wrong flags {figures.wrong_flags}, "
        f"client lag p99 {figures.loadgen_lag_p99_ms} ms — "
        f"{'sustained' if figures.sustained else 'NOT sustained'}"
    )
    print(f"           {route_text}")
    if cpu_ms:
        print(
            "           CPU ms per request: " + ", ".join(f"{k.split('_')[0]} {v}" for k, v in cpu_ms.items())
        )
    for example in examples:
        print(f"           error: {example}")
    return figures


def _verify(ledger: Ledger, seed_max_id: int) -> dict[str, int]:
    """Every acknowledged client id stored once, under the acknowledged check id; no client id twice."""
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute("CREATE TEMP TABLE acked (client_id uuid PRIMARY KEY, check_id bigint)")
        with conn.cursor().copy("COPY acked (client_id, check_id) FROM STDIN") as copy:
            for cid, check_id in ledger.acked.items():
                copy.write_row((cid, check_id))
        row = conn.execute(
            """
            SELECT count(*) FILTER (WHERE h.id IS NULL),
                   count(*) FILTER (WHERE h.id IS NOT NULL AND h.id <> a.check_id)
            FROM acked a LEFT JOIN control_healthcheck h ON h.client_id = a.client_id
            """
        ).fetchone()
        missing, wrong_id = row if row else (0, 0)
        dup = conn.execute(
            "SELECT count(*) FROM (SELECT client_id FROM control_healthcheck WHERE id > %s "
            "GROUP BY client_id HAVING count(*) > 1) d",
            [seed_max_id],
        ).fetchone()
        added = conn.execute(
            "SELECT count(*) FROM control_healthcheck WHERE id > %s", [seed_max_id]
        ).fetchone()
        unacked = conn.execute(
            "SELECT count(*) FROM control_healthcheck h WHERE h.id > %s "
            "AND NOT EXISTS (SELECT 1 FROM acked a WHERE a.client_id = h.client_id)",
            [seed_max_id],
        ).fetchone()
    figures = {
        "acknowledged_ids": len(ledger.acked),
        "missing": int(missing),
        "stored_under_other_id": int(wrong_id),
        "duplicated_client_ids": int(dup[0]) if dup else 0,
        "rows_added": int(added[0]) if added else 0,
        "stored_but_never_acknowledged": int(unacked[0]) if unacked else 0,
    }
    print(
        "verification: {acknowledged_ids:,} acknowledged ids; missing {missing}, under another id "
        "{stored_under_other_id}, duplicated {duplicated_client_ids}; rows added {rows_added:,} "
        "(stored but never acknowledged: {stored_but_never_acknowledged})".format(**figures)
    )
    return figures


def _at_least(value: float, limit: float) -> dict[str, Any]:
    return {"target": limit, "value": round(value, 3), "met": value >= limit}


def _exactly(value: float, wanted: float) -> dict[str, Any]:
    return {"target": wanted, "value": value, "met": value == wanted}


# ---------------------------------------------------------------------------------------------
# Load run


async def _drain(client: Client, timeout: float = 120.0) -> None:
    """Wait until the server answers /healthz quickly again: a step that overloaded it leaves queued
    requests behind (their clients gave up), and the next step must not inherit them."""
    started = time.perf_counter()
    quick = 0
    while quick < 3 and time.perf_counter() - started < timeout:
        t = time.perf_counter()
        try:
            await asyncio.wait_for(client.request("GET", "/healthz"), 10)
            quick = quick + 1 if time.perf_counter() - t < 0.05 else 0
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            quick = 0
        await asyncio.sleep(0.2)


async def _load(args: argparse.Namespace, state: dict[str, Any]) -> None:
    writes_only = args.mix == "writes"
    server = Server(_free_port(), args.workers)
    client = Client(server.port)
    mix = Mix(state["tokens"], seed=args.seed)
    server.start()
    steps: list[StepFigures] = []
    global PROBE
    try:
        boot = await server.ready(client)
        assert server.proc is not None
        PROBE = CpuProbe(server.proc.pid)
        print(f"server up in {boot:.1f} s on 127.0.0.1:{server.port} ({args.workers} workers × 4 threads)")
        print(f"warm-up: {args.warmup:.0f} s per side at {args.rates[0]:,.0f} check-ins/s")
        for side in ("product", "baseline"):
            await _step(
                client, mix, side, args.rates[0], args.warmup, seed=args.seed, writes_only=writes_only
            )
            await _drain(client)
        live = {"product": True, "baseline": True}
        for index, rate in enumerate(args.rates):
            for side in ("product", "baseline"):
                if not live[side]:
                    continue
                figures = await _step(
                    client,
                    mix,
                    side,
                    rate,
                    args.duration,
                    seed=args.seed + 10 * index,
                    writes_only=writes_only,
                )
                steps.append(figures)
                await _drain(client)
                if not figures.sustained:
                    live[side] = False  # the next rate up would only fail harder
            if not any(live.values()):
                break
    finally:
        client.close()
        server.stop()
    verification = _verify(mix.ledger, state["seed_max_check_id"])

    def best(side: str) -> StepFigures | None:
        ok = [s for s in steps if s.side == side and s.sustained]
        return max(ok, key=lambda s: s.acked_checkins_per_s) if ok else None

    product, baseline = best("product"), best("baseline")
    product_rate = product.acked_checkins_per_s if product else 0.0
    baseline_rate = baseline.acked_checkins_per_s if baseline else 0.0
    ratio = product_rate / baseline_rate if baseline_rate else 0.0
    capped = bool(baseline and baseline.offered_checkins_per_s == args.rates[-1])
    print(
        f"highest sustained (check-ins p99 ≤ {CHECKIN_P99_MS:.0f} ms, today p95 ≤ {TODAY_P95_MS:.0f} ms, "
        f"no errors): product {product_rate:,.0f} check-ins/s, "
        f"baseline {baseline_rate:,.0f}/s{' (the top step offered: a floor)' if capped else ''}; "
        f"ratio {ratio:.2f}"
    )
    duplicates = verification["duplicated_client_ids"] + mix.ledger.wrong_flags + mix.ledger.id_mismatch
    emit(
        "checkins" if not writes_only else "checkins-writes-only",
        {
            "database": "postgresql",
            "variant": args.variant,
            "mix": "issue (75/10/10/5)" if not writes_only else "writes only (75 single : 10 batch)",
            "checks_in_table_at_start": state.get("rows_at_start"),
            "server": f"gunicorn {args.workers} workers × 4 gthread threads (make demo's command)",
            "step_seconds": args.duration,
            "highest_sustained_checkins_per_s": product_rate,
            "at_highest": _at_highest(product),
            "steps": [s.__dict__ | {"sustained": s.sustained} for s in steps],
            "verification": verification,
            "wrong_duplicate_flags": mix.ledger.wrong_flags,
        },
        {
            "raw_sql_insert": {
                "highest_sustained_checkins_per_s": baseline_rate,
                "top_step_reached": capped,
                "at_highest": _at_highest(baseline),
            },
            "ratio_product_to_baseline": round(ratio, 3),
        },
        {
            "acked_checkins_per_s_at_p99_100ms": _at_least(product_rate, 1000),
            "ratio_to_baseline": _at_least(ratio, 0.7),
            "duplicates": _exactly(duplicates, 0),
            "acknowledged_missing": _exactly(
                verification["missing"] + verification["stored_under_other_id"], 0
            ),
        },
    )


# ---------------------------------------------------------------------------------------------
# Fault run


async def _fault(args: argparse.Namespace, state: dict[str, Any]) -> None:
    server = Server(_free_port(), args.workers)
    client = Client(server.port)
    mix = Mix(state["tokens"], seed=args.seed)
    ledger = mix.ledger
    attempts = {"requests": 0, "attempts": 0, "gave_up": 0}
    downtimes: list[float] = []
    server.start()
    await server.ready(client)
    rate = args.fault_rate / WRITES_PER_REQUEST_FAULT
    load_seconds = args.kills * (args.kill_every + 10)  # a bound for the retry deadline only
    deadline_after_load = 90.0

    def pick() -> tuple[str, Any]:
        worker = mix.rng.randrange(len(mix.workers))
        batch = mix.rng.random() < 0.10 / 0.85
        checks, flags = mix.writes(worker, batch)
        headers = {"Authorization": f"Bearer {mix.workers[worker][0]}"}
        body = json.dumps({"checks": checks}).encode()

        async def until_acknowledged() -> tuple[bool, str]:
            attempts["requests"] += 1
            started = time.monotonic()
            backoff = 0.05
            tries = 0
            while time.monotonic() - started < load_seconds + deadline_after_load:
                tries += 1
                attempts["attempts"] += 1
                try:
                    response = await asyncio.wait_for(
                        client.request("POST", PRODUCT_PATH, body, headers), REQUEST_TIMEOUT
                    )
                except Exception:  # noqa: BLE001 — refused, reset, timed out: all mean retry
                    response = None
                if response is not None and response.status == 200:
                    problem = ledger.record(checks, flags, response.json(), retried=tries > 1)
                    mix.remember(worker, checks)
                    return not problem, problem
                await asyncio.sleep(backoff * (0.5 + mix.rng.random()))
                backoff = min(backoff * 2, 1.0)
            attempts["gave_up"] += 1
            return False, "gave up"

        return ("checks_batch" if batch else "checks_single"), until_acknowledged

    async def supervisor() -> None:
        await asyncio.sleep(args.kill_every)
        for _ in range(args.kills):
            server.kill()
            killed = time.perf_counter()
            server.start()
            await server.ready(client)
            downtimes.append(time.perf_counter() - killed)
            await asyncio.sleep(max(0.5, args.kill_every * (0.5 + mix.rng.random())))

    print(
        f"fault run: {args.kills} SIGKILLs of the server's process group, ~every {args.kill_every:.0f} s, "
        f"under {args.fault_rate:,.0f} offered check-ins/s until the last restart has answered"
    )
    started = time.perf_counter()
    try:
        killer = asyncio.create_task(supervisor())
        # Load in slices until the last kill's restart has answered, and one slice more after it.
        result = RunResult()
        chunk = 0
        while True:
            done_before = killer.done()
            part = await open_model(rate, args.kill_every * 2, pick, seed=args.seed + chunk)
            result.samples += part.samples
            result.offered += part.offered
            result.seconds += part.seconds
            chunk += 1
            if done_before:
                break
        await killer
        load_seconds = result.seconds
    finally:
        client.close()
        server.stop()
    wall = time.perf_counter() - started
    routes, _p99, errors, examples = _route_figures(result)
    verification = _verify(ledger, state["seed_max_check_id"])
    print(
        f"  {len(downtimes)} kills, restart-to-first-answer median {statistics.median(downtimes):.2f} s, "
        f"max {max(downtimes):.2f} s; {attempts['requests']:,} requests, {attempts['attempts']:,} attempts, "
        f"gave up {attempts['gave_up']}; load {load_seconds:.0f} s; "
        f"acknowledged as duplicate after a lost answer: "
        f"{ledger.duplicate_after_retry}; wrong flags {ledger.wrong_flags}; wall {wall:.0f} s"
    )
    for example in examples:
        print(f"  error: {example}")
    lost = verification["missing"] + verification["stored_under_other_id"]
    duplicated = verification["duplicated_client_ids"] + ledger.id_mismatch
    emit(
        "checkins-fault",
        {
            "kills": len(downtimes),
            "restart_seconds_median": round(statistics.median(downtimes), 2),
            "restart_seconds_max": round(max(downtimes), 2),
            "requests": attempts["requests"],
            "attempts": attempts["attempts"],
            "gave_up": attempts["gave_up"],
            "failed_samples": errors,
            "duplicate_after_lost_answer": ledger.duplicate_after_retry,
            "wrong_duplicate_flags": ledger.wrong_flags,
            "routes_latency_including_retries": routes,
            "verification": verification,
        },
        {},
        {
            "kills": _exactly(len(downtimes), args.kills),
            "acknowledged_missing": _exactly(lost, 0),
            "duplicated": _exactly(duplicated, 0),
            "all_acknowledged_eventually": _exactly(attempts["gave_up"], 0),
        },
    )


def _at_highest(step: Any) -> dict[str, Any] | None:
    """The latencies of the highest sustained step, for the JSON line."""
    if not step:
        return None
    return {
        "routes": step.routes,
        "p99_ms": step.p99_ms,
        "checkin_p99_ms": step.checkin_p99_ms,
        "today_p95_ms": step.today_p95_ms,
    }


def main(argv: list[str] | None = None) -> None:
    global DATABASE_URL, HOME
    parser = argparse.ArgumentParser(prog="python -m bench checkins")
    parser.add_argument("--persons", type=int, default=285_000)
    parser.add_argument(
        "--variant",
        choices=["stress", "realistic"],
        default="stress",
        help="stress: everyone with a grid under a measure; realistic: 3 %% of them",
    )
    parser.add_argument("--days", type=int, default=30, help="days of seeded check history")
    parser.add_argument(
        "--smoke", action="store_true", help="1,000 persons, 2 days, two 2-second steps, throwaway database"
    )
    parser.add_argument(
        "--rates", default="500,1000,1500,2000,3000,4000", help="offered check-ins/s per step"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per step and side")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (make demo: 2)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--mix", choices=["issue", "writes"], default="issue", help="writes: the check-in requests alone"
    )
    parser.add_argument("--fault", action="store_true", help="the SIGKILL run instead of the rate steps")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--kill-every", type=float, default=5.0, help="mean seconds between kills")
    parser.add_argument(
        "--fault-rate", type=float, default=500.0, help="offered check-ins/s in the fault run"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.persons, args.days, args.duration, args.warmup = 1000, 2, 2.0, 1.0
        args.rates = "100" if not args.fault else args.rates
        args.kills, args.kill_every, args.fault_rate = min(args.kills, 2), 2.0, 100.0
    args.rates = [float(r) for r in args.rates.split(",")]
    from bench import checkins_seed

    version = code_version(
        "bench/state.py", "bench/checkins_seed.py", persons=args.persons, variant=args.variant, days=args.days
    )
    name = f"w2-{args.variant}-{args.persons}"
    cache = Cache(name, "postgresql", version, smoke=args.smoke)
    DATABASE_URL, HOME = cache.url, cache.home
    try:
        state = _seed(args.persons, args.variant, args.days)
        state["rows_at_start"] = _reset(state)
        share = 1.0 if args.variant == "stress" else checkins_seed.REALISTIC_SHARE
        print(
            f"variant {args.variant} ({share:.0%} of persons with a grid under a measure); "
            f"{len(state['tokens'])} grid workers with tokens; cores: {os.cpu_count()} (shared)"
        )
        asyncio.run(_fault(args, state) if args.fault else _load(args, state))
    finally:
        cache.close()
