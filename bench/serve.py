"""Serving benchmark: throughput and latency of `tabml serve` against the model's own floor.

    python bench/serve.py [--model models/model.skops] [--seconds 5] [--write FILE]

1. The floor: the model's `predict_proba` in this process on 1 row and on 100 rows (rows/s),
   with OpenMP's default thread count and with one thread (as the server runs it); the faster
   of the two is the floor the server is compared against.
2. `tabml serve` (uvicorn, one process) on 127.0.0.1, request log on, in a separate process.
3. A load generator in a third process: asyncio clients, each with a keep-alive connection,
   sending single-row and 100-row requests at concurrency 1 and 16 for a bounded time and
   request count. Throughput, p50 and p99 latency, and the ratio to the floor.
4. The same against a server with `serve.micro_batch: false`, to show what micro-batching buys.
5. The fast path (`bench/serve_fastpath.py`): in-process scoring through the pipeline and the
   fast path by batch size, and single-row requests against a server whose fast path is off,
   for the issue 12.5 targets; its own section of the markdown.

Needs the trained model and `data/prepared/test.parquet` (`make run`). The machine's cores are
shared with the load generator (and, on a dev box, with everything else): compare the ratios of
one run rather than absolute numbers. Progress goes to stderr, the markdown to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx
import pandas as pd
import yaml
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

import pipeline  # bench/pipeline.py: shared markdown helpers
import serve_fastpath  # bench/serve_fastpath.py: the fast path against the pipeline
from tabml import io
from tabml.config import load_params
from tabml.contract import load_contract
from tabml.serve.schemas import model_columns

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_MARK = "<!-- bench:serve:start -->"
END_MARK = "<!-- bench:serve:end -->"
DOC_INTRO = """# Performance

What the template costs in time and memory, measured by the scripts in `bench/` with
`make bench`. Each section below is generated between its `<!-- bench:...:start -->` and
`<!-- bench:...:end -->` markers: rerun the benchmark to refresh it rather than editing it.
"""
SCENARIOS = ((1, 1), (1, 16), (100, 1), (100, 16))  # (rows per request, concurrency)
MAX_REQUESTS = 50_000  # per scenario, on top of the time bound
WARMUP_SECONDS = 1.0
LENGTH = b"content-length:"
FLOOR_ROUNDS = 3
PIPELINE_ONLY = serve_fastpath.PIPELINE_ONLY_SERVER
Floor = tuple[int, int | None]  # (rows per call, OpenMP threads or None for the default)

# Targets (issue 4).
MIN_SINGLE_RATIO = 0.70  # single-row requests at concurrency 16 vs the 1-row floor
MAX_SINGLE_P99_MS = 50.0
MIN_BATCH_RATIO = 0.70  # 100-row requests vs the 100-row floor, per row


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench:serve] {message}", file=sys.stderr, flush=True)


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


# The load generator: runs in its own process.


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


# The floor and the server.


def feature_frame(params_file: Path) -> pd.DataFrame:
    """The held-out rows, restricted to the columns a request carries (features only)."""
    params = load_params(params_file)
    features, _ = model_columns(load_contract(params.data.contract), params.data)
    return io.read_parquet(ROOT / "data/prepared/test.parquet")[features]


def floor(model: Any, frame: pd.DataFrame, rows: int, seconds: float, threads: int | None) -> float:
    """Rows per second of `predict_proba` on `rows`-row frames, in this process."""
    with ThreadpoolController().limit(limits=threads, user_api="openmp"):
        return _floor(model, frame, rows, seconds)


def _floor(model: Any, frame: pd.DataFrame, rows: int, seconds: float) -> float:
    chunks = [frame.iloc[i : i + rows] for i in range(0, min(len(frame), 200 * rows), rows)]
    model.predict_proba(chunks[0])
    calls = 0
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        model.predict_proba(chunks[calls % len(chunks)])
        calls += 1
    return calls * rows / elapsed


def measure_floors(model: Any, frame: pd.DataFrame, seconds: float) -> dict[Floor, float]:
    """Median rows/s over interleaved rounds of each (rows, threads) setting, `seconds` each."""
    samples: dict[Floor, list[float]] = {}
    for _ in range(FLOOR_ROUNDS):
        for rows in (1, 100):
            for threads in (None, 1):
                rate = floor(model, frame, rows, seconds / FLOOR_ROUNDS, threads)
                samples.setdefault((rows, threads), []).append(rate)
    return {key: statistics.median(rates) for key, rates in samples.items()}


def request_bodies(frame: pd.DataFrame, rows: int, count: int = 200) -> list[bytes]:
    """JSON bodies of `rows` records each, taken in turn from the held-out rows."""
    records = json.loads(frame.to_json(orient="records"))
    bodies = []
    for i in range(count):
        start = (i * rows) % max(1, len(records) - rows)
        bodies.append(json.dumps({"records": records[start : start + rows]}).encode())
    return bodies


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(
    model: Path, params_file: Path, scratch: Path, micro_batch: bool, fast: bool = True
) -> Iterator[str]:
    """`tabml serve` (with its fast path turned off unless `fast`) in its own process on one
    OpenMP thread, with the request log in `scratch`; yields its URL."""
    params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    serve = params.setdefault("serve", {})
    serve["micro_batch"] = micro_batch
    serve["request_log"] = {**serve.get("request_log", {}), "path": str(scratch / "requests.jsonl")}
    name = f"{micro_batch}-{fast}"
    bench_params = scratch / f"params-{name}.yaml"
    bench_params.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    port = free_port()
    tabml = [str(BIN / "tabml")] if fast else [sys.executable, "-c", PIPELINE_ONLY]
    command = [*tabml, "serve", "--model", str(model), "--port", str(port)]
    command += ["--params", str(bench_params)]
    output = scratch / f"server-{name}.log"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with output.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {output.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /health within 120 s")
            time.sleep(0.2)
        scoring = httpx.get(f"{url}/metadata", timeout=5.0).json()["scoring"]
        if scoring.startswith("fast path") != fast:
            raise RuntimeError(f"expected fast path {'on' if fast else 'off'}, got: {scoring}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


# Markdown.


def replace_section(document: str, body: str) -> str:
    """Put `body` between this benchmark's markers, keeping everything else; append if missing."""
    return pipeline.replace_section(document, body, START_MARK, END_MARK)


def verdict(passed: bool) -> str:
    """A table cell for a target."""
    return "met" if passed else "**missed**"


def render(
    measured: dict[Floor, float],
    floors: dict[int, float],
    results: dict[bool, list[Load]],
    seconds: float,
    model: Path,
) -> str:
    """The markdown section."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Serving (`bench/serve.py`)",
        "",
        f"Measured {when} on {os.cpu_count()} cores ({platform.machine()}, Python "
        f"{platform.python_version()}), model `{model}`. The server is `tabml serve` (uvicorn, "
        "one process, request log on) on 127.0.0.1; the load generator is another process "
        "with one asyncio HTTP/1.1 client (keep-alive) per concurrent request. Each row is a "
        f"{seconds:g} s run after a {WARMUP_SECONDS:g} s warm-up. The cores are shared by the "
        "server, the load generator and anything else running, so figures are noisy: "
        "compare the ratios within one run.",
        "",
        "Floor: the model's own `predict_proba` in one process, on frames already built "
        f"(median of {FLOOR_ROUNDS} interleaved rounds). The faster of the two thread settings "
        "is the floor; the server runs each model call on one OpenMP thread.",
        "",
        "| frame | OpenMP default threads | 1 OpenMP thread | floor | ms a call |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {rows} row{'s' if rows > 1 else ''} | {measured[(rows, None)]:,.0f} rows/s "
            f"| {measured[(rows, 1)]:,.0f} rows/s | **{floors[rows]:,.0f} rows/s** "
            f"| {1000 * rows / floors[rows]:.2f} |"
            for rows in (1, 100)
        ),
        "",
        "| micro-batching | rows/request | concurrency | requests/s | rows/s | vs floor "
        "| p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for micro_batch, loads in results.items():
        for load in loads:
            ratio = load.rows_per_second / floors[load.rows]
            lines.append(
                f"| {'on' if micro_batch else 'off'} | {load.rows} | {load.concurrency} "
                f"| {load.requests_per_second:,.0f} | {load.rows_per_second:,.0f} "
                f"| {ratio:.2f}x | {load.percentile(50):.1f} | {load.percentile(99):.1f} "
                f"| {load.errors} |"
            )
    served = {(load.rows, load.concurrency): load for load in results[True]}
    single = served[(1, 16)]
    single_ratio = single.rows_per_second / floors[1]
    batch_ratio = min(served[(100, c)].rows_per_second for c in (1, 16)) / floors[100]
    lines += [
        "",
        "| target (default server) | measured | |",
        "|---|---:|---|",
        f"| single-row, concurrency 16: ≥ {MIN_SINGLE_RATIO:.0%} of the 1-row floor "
        f"| {single_ratio:.0%} | {verdict(single_ratio >= MIN_SINGLE_RATIO)} |",
        f"| single-row, concurrency 16: p99 ≤ {MAX_SINGLE_P99_MS:g} ms "
        f"| {single.percentile(99):.1f} ms "
        f"| {verdict(single.percentile(99) <= MAX_SINGLE_P99_MS)} |",
        f"| 100-row requests (worse of concurrency 1 and 16): ≥ {MIN_BATCH_RATIO:.0%} of the "
        f"100-row floor per row | {batch_ratio:.0%} | {verdict(batch_ratio >= MIN_BATCH_RATIO)} |",
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, body: str) -> None:
    """Replace this benchmark's section of `path` (created if missing), atomically."""
    document = path.read_text(encoding="utf-8") if path.exists() else DOC_INTRO
    io.write_bytes(path, replace_section(document, body).encode())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/model.skops"))
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario")
    parser.add_argument("--write", type=Path, help="replace the serve section of this file")
    return parser.parse_args(argv)


def run_load(
    loader: ProcessPoolExecutor,
    url: str,
    bodies: Sequence[bytes],
    scenario: tuple[int, int],
    *,
    seconds: float,
    label: str,
) -> Load:
    """One load-generator run against `url`, logged."""
    rows, concurrency = scenario
    load = loader.submit(
        generate_load, f"{url}/predict", bodies, rows, concurrency, seconds
    ).result()
    log(
        f"{label} rows={rows} c={concurrency}: {load.rows_per_second:,.0f} rows/s, "
        f"p50 {load.percentile(50):.1f} ms, p99 {load.percentile(99):.1f} ms, "
        f"{load.errors} errors"
    )
    return load


def single_row_http(loads: Sequence[Load]) -> serve_fastpath.Http:
    """p50 of single-row requests at concurrency 1, p99 at concurrency 16."""
    by_scenario = {(load.rows, load.concurrency): load for load in loads}
    return serve_fastpath.Http(
        by_scenario[(1, 1)].percentile(50), by_scenario[(1, 16)].percentile(99)
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    load_before = os.getloadavg()[0]
    frame = feature_frame(args.params)
    model = io.load_model(args.model)
    log(f"floor: the model alone, {4 * args.seconds:.0f} s")
    measured = measure_floors(model, frame, args.seconds)
    floors = {rows: max(measured[(rows, None)], measured[(rows, 1)]) for rows in (1, 100)}
    log(f"floor: {measured}")
    log("in process: the pipeline against the fast path")
    with ThreadpoolController().limit(limits=1, user_api="openmp"):
        in_process = serve_fastpath.measure_in_process(model, args.params, frame, args.seconds)
    for m in in_process:
        log(f"in process, {m.rows} rows: pipeline {m.pipeline_ms:.2f} ms, fast {m.fast_ms:.3f} ms")
    bodies = {rows: request_bodies(frame, rows) for rows in (1, 100)}
    results: dict[bool, list[Load]] = {}
    context = get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="tabml-bench-serve-") as scratch,
        ProcessPoolExecutor(max_workers=1, mp_context=context) as loader,
    ):
        for micro_batch in (True, False):
            with server(args.model, args.params, Path(scratch), micro_batch) as url:
                results[micro_batch] = [
                    run_load(
                        loader,
                        url,
                        bodies[s[0]],
                        s,
                        seconds=args.seconds,
                        label=f"micro_batch={micro_batch}",
                    )
                    for s in SCENARIOS
                ]
        with server(args.model, args.params, Path(scratch), True, fast=False) as url:
            pipeline_only = [
                run_load(loader, url, bodies[1], s, seconds=args.seconds, label="fast path off")
                for s in ((1, 1), (1, 16))
            ]
    body = render(measured, floors, results, args.seconds, args.model)
    http = {"pipeline": single_row_http(pipeline_only), "fast": single_row_http(results[True])}
    load = (load_before, os.getloadavg()[0])
    fast_body = serve_fastpath.render(in_process, http, load, args.seconds)
    print(f"{START_MARK}\n{body}{END_MARK}")
    print(f"{serve_fastpath.START_MARK}\n{fast_body}{serve_fastpath.END_MARK}")
    if args.write:
        write_section(args.write, body)
        document = args.write.read_text(encoding="utf-8")
        marks = (serve_fastpath.START_MARK, serve_fastpath.END_MARK)
        io.write_bytes(args.write, pipeline.replace_section(document, fast_body, *marks).encode())
        log(f"wrote the serve and serve-fastpath sections of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
