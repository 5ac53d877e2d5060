"""The serving benchmark's markdown section: the floors, each scenario's throughput and latency
against them, and the targets (issue 4) stated as met or missed."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

import pipeline  # bench/pipeline.py: shared markdown helpers
from load_generator import WARMUP_SECONDS, Load
from measure import DOC_INTRO
from serve_floor import FLOOR_ROUNDS, Floor
from tabml import io

START_MARK = "<!-- bench:serve:start -->"
END_MARK = "<!-- bench:serve:end -->"

# Targets (issue 4).
MIN_SINGLE_RATIO = 0.70  # single-row requests at concurrency 16 vs the 1-row floor
MAX_SINGLE_P99_MS = 50.0
MIN_BATCH_RATIO = 0.70  # 100-row requests vs the 100-row floor, per row


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
