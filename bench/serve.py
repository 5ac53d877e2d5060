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

The floor is `serve_floor.py`, the load generator `load_generator.py`, the section
`serve_markdown.py`; this script starts the servers and runs the scenarios.

Needs the trained model and `data/prepared/test.parquet` (`make run`). The machine's cores are
shared with the load generator (and, on a dev box, with everything else): compare the ratios of
one run rather than absolute numbers. Progress goes to stderr, the markdown to stdout.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

import httpx
import yaml
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

import pipeline  # bench/pipeline.py: shared markdown helpers
import serve_fastpath  # bench/serve_fastpath.py: the fast path against the pipeline
from load_generator import Load, generate_load, request_bodies
from measure import BIN, ROOT
from serve_floor import feature_frame, measure_floors
from serve_markdown import END_MARK, START_MARK, render, write_section
from tabml import io

SCENARIOS = ((1, 1), (1, 16), (100, 1), (100, 16))  # (rows per request, concurrency)
PIPELINE_ONLY = serve_fastpath.PIPELINE_ONLY_SERVER


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench:serve] {message}", file=sys.stderr, flush=True)


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
