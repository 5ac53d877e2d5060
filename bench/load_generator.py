"""The serving benchmark's load generator: asyncio clients, each with a keep-alive HTTP/1.1
connection, keeping `concurrency` requests in flight for a bounded time and request count. It
runs in a process of its own, so that it does not share the server's interpreter."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

import pandas as pd

MAX_REQUESTS = 50_000  # per scenario, on top of the time bound
WARMUP_SECONDS = 1.0
LENGTH = b"content-length:"


@dataclass(frozen=True)
class Load:
    """What one load-generator run measured."""

    rows: int
    concurrency: int
    seconds: float
    requests: int
    errors: int
    latencies_ms: list[float]

    @property
    def requests_per_second(self) -> float:
        """Successful requests per second."""
        return self.requests / self.seconds

    @property
    def rows_per_second(self) -> float:
        """Scored rows per second."""
        return self.requests_per_second * self.rows

    def percentile(self, q: float) -> float:
        """Latency percentile in ms (nearest rank)."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass
class _Phase:
    """What the clients of one phase share: the requests, a deadline, a budget, the results."""

    requests: Sequence[bytes]
    deadline: float
    budget: int = MAX_REQUESTS
    latencies: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)


async def _client(url: SplitResult, phase: _Phase, start: int) -> None:
    """One keep-alive connection sending requests back to back until the deadline or budget."""
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    index = start
    try:
        while time.perf_counter() < phase.deadline and phase.budget > 0:
            phase.budget -= 1
            began = time.perf_counter()
            writer.write(phase.requests[index % len(phase.requests)])
            index += 1
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = next(
                int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(LENGTH)
            )
            await reader.readexactly(length)
            status = int(lines[0].split()[1])
            if status == 200:
                phase.latencies.append((time.perf_counter() - began) * 1000)
            else:
                phase.errors.append(status)
    finally:
        writer.close()


async def _run_phase(
    url: SplitResult, requests: Sequence[bytes], concurrency: int, seconds: float
) -> tuple[float, _Phase]:
    phase = _Phase(requests, time.perf_counter() + seconds)
    began = time.perf_counter()
    await asyncio.gather(*(_client(url, phase, i * 997) for i in range(concurrency)))
    return time.perf_counter() - began, phase


def generate_load(
    url: str, bodies: Sequence[bytes], rows: int, concurrency: int, seconds: float
) -> Load:
    """Warm up, then keep `concurrency` requests in flight for `seconds` (bounded count).

    The client is plain asyncio speaking HTTP/1.1 over keep-alive connections: httpx on 16
    threads spent about a millisecond of CPU per request and added its own GIL-bound tail
    latency, on the same two cores as the server.
    """
    parts = urlsplit(url)
    host = f"Host: {parts.hostname}:{parts.port}\r\n".encode()
    requests = [
        b"POST " + parts.path.encode() + b" HTTP/1.1\r\n" + host
        + b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode() + b"\r\n\r\n" + body
        for body in bodies
    ]  # fmt: skip
    asyncio.run(_run_phase(parts, requests, concurrency, WARMUP_SECONDS))
    elapsed, phase = asyncio.run(_run_phase(parts, requests, concurrency, seconds))
    return Load(
        rows, concurrency, elapsed, len(phase.latencies), len(phase.errors), phase.latencies
    )


def request_bodies(frame: pd.DataFrame, rows: int, count: int = 200) -> list[bytes]:
    """JSON bodies of `rows` records each, taken in turn from the held-out rows."""
    records = json.loads(frame.to_json(orient="records"))
    bodies = []
    for i in range(count):
        start = (i * rows) % max(1, len(records) - rows)
        bodies.append(json.dumps({"records": records[start : start + rows]}).encode())
    return bodies
