"""A small open-model HTTP/1.1 load generator on asyncio streams (stdlib only).

Requests are *scheduled* at a fixed arrival rate (Poisson arrivals from a seeded generator) whatever
the server's response times: a slow answer never delays the next arrival, so queueing shows up in
the latencies instead of silently lowering the offered load (no coordinated omission). Each
latency is measured from the request's scheduled time, not from when a connection became free.
Connections are kept alive and reused from a pool; a pooled connection the server has already
closed is retried once on a fresh one (the bodies are idempotent by client id).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used_at = time.monotonic()

    def close(self) -> None:
        self.writer.close()


class Client:
    """Keep-alive connections to one host:port; at most ``max_connections`` open at once."""

    def __init__(self, port: int, max_connections: int = 400, idle_seconds: float = 1.5) -> None:
        self.port = port
        self.idle: list[_Conn] = []
        self.slots = asyncio.Semaphore(max_connections)
        self.idle_seconds = idle_seconds  # under gunicorn's keep-alive (2 s)

    async def _connect(self) -> _Conn:
        reader, writer = await asyncio.open_connection(HOST, self.port)
        return _Conn(reader, writer)

    def _take(self) -> _Conn | None:
        now = time.monotonic()
        while self.idle:
            conn = self.idle.pop()
            if now - conn.used_at < self.idle_seconds:
                return conn
            conn.close()
        return None

    async def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        async with self.slots:
            conn = self._take()
            reused = conn is not None
            for attempt in (0, 1):
                if conn is None:
                    conn = await self._connect()
                try:
                    response, keep = await self._exchange(conn, method, path, body, headers or {})
                except (ConnectionError, asyncio.IncompleteReadError, HttpError):
                    conn.close()
                    conn = None
                    if reused and attempt == 0:
                        continue  # a stale keep-alive connection: once more on a fresh one
                    raise
                if keep:
                    conn.used_at = time.monotonic()
                    self.idle.append(conn)
                else:
                    conn.close()
                return response
            raise HttpError("unreachable")

    async def _exchange(
        self, conn: _Conn, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[Response, bool]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        conn.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        await conn.writer.drain()
        head = await conn.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HttpError(f"bad status line {status_line!r}")
        status = int(parts[1])
        found = {}
        for line in header_lines:
            if ":" in line:
                key, value = line.split(":", 1)
                found[key.strip().lower()] = value.strip()
        if found.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await conn.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await conn.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            data = b"".join(chunks)
        elif "content-length" in found:
            data = await conn.reader.readexactly(int(found["content-length"]))
        else:
            data = await conn.reader.read()
            return Response(status, data), False
        keep = found.get("connection", "").lower() != "close"
        return Response(status, data), keep

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


@dataclass
class Sample:
    route: str
    scheduled: float
    latency_ms: float
    ok: bool
    detail: str = ""


@dataclass
class RunResult:
    samples: list[Sample] = field(default_factory=list)
    offered: int = 0
    seconds: float = 0.0
    max_lag_ms: float = 0.0
    lag_p99_ms: float = 0.0


async def open_model(
    rate: float,
    seconds: float,
    pick: Callable[[], tuple[str, Callable[[], Awaitable[bool | tuple[bool, str]]]]],
    seed: int = 1,
) -> RunResult:
    """Fire ``pick()``'d requests at ``rate`` per second (Poisson) for ``seconds``; wait for all of
    them (each has its own timeout in the callable) and return one sample per request."""
    rng = random.Random(seed)
    result = RunResult()
    tasks: list[asyncio.Task[None]] = []
    lags: list[float] = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    at = start
    end = start + seconds

    async def one(
        route: str, call: Callable[[], Awaitable[bool | tuple[bool, str]]], scheduled: float
    ) -> None:
        try:
            outcome = await call()
            ok, detail = outcome if isinstance(outcome, tuple) else (outcome, "")
        except Exception as error:  # noqa: BLE001 — every failure is a sample, not a crash
            ok, detail = False, f"{type(error).__name__}: {error}"[:200]
        result.samples.append(Sample(route, scheduled - start, (loop.time() - scheduled) * 1000, ok, detail))

    while True:
        at += rng.expovariate(rate)
        if at >= end:
            break
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(max(0.0, loop.time() - at) * 1000)
        route, call = pick()
        tasks.append(asyncio.create_task(one(route, call, at)))
        result.offered += 1
    if tasks:
        await asyncio.wait(tasks)
    result.seconds = seconds
    if lags:
        lags.sort()
        result.max_lag_ms = lags[-1]
        result.lag_p99_ms = lags[int(0.99 * (len(lags) - 1))]
    return result
