"""The one-process pipeline on the bundled data replicated x1, x4, x16: seconds and peak memory.

A quick look at how the stages grow with rows, within one benchmark run; bench/scale.py is the
full study (generated tables up to millions of rows, through `dvc repro`).
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from measure import cpus, growth_exponent, log, markdown_table, median, met, seconds, walls
from repro import FloorRun, Snapshot

MAX_GROWTH_EXPONENT = 1.1


@dataclass(frozen=True)
class ScaleResult:
    """The one-process pipeline on the bundled data replicated `copies` times."""

    copies: int
    rows: int
    runs: list[FloorRun]


def parse_scales(text: str) -> list[int]:
    """`1,4,16` -> [1, 4, 16]; an empty string skips the scaling runs."""
    scales = sorted({int(part) for part in text.split(",") if part.strip()})
    if any(scale < 1 for scale in scales):
        raise argparse.ArgumentTypeError("scales are positive whole numbers, such as 1,4,16")
    return scales


def bench_scaling(
    snapshot: Snapshot, scratch: Path, scales: Sequence[int], runs: int, reuse: list[FloorRun]
) -> list[ScaleResult]:
    """The one-process pipeline on replicated data (x1 reuses the floor's runs)."""
    results = []
    for copies in scales:
        project = scratch / f"scale-x{copies}"
        rows = snapshot.project(project, copies)
        floor_runs = list(reuse) if copies == 1 else []
        while len(floor_runs) < runs:
            log(f"scaling x{copies} ({rows:,} rows): run {len(floor_runs) + 1}/{runs}")
            floor_runs.append(snapshot.floor(project))
        results.append(ScaleResult(copies, rows, floor_runs))
        shutil.rmtree(project)
    return results


def growth_row(scaling: Sequence[ScaleResult]) -> list[str] | None:
    """The summary row of the scaling target (work time at most linear in rows), if measured."""
    if len(scaling) < 2:
        return None
    rows_of = [result.rows for result in scaling]
    wall_k = growth_exponent(rows_of, [median(walls(r.work for r in s.runs)) for s in scaling])
    cpu_k = growth_exponent(rows_of, [median(cpus(r.work for r in s.runs)) for s in scaling])
    return [
        f"scaling x{scaling[0].copies} to x{scaling[-1].copies}: work time ~ rows^k",
        f"k = {wall_k:.2f} (CPU {cpu_k:.2f})",
        f"k ≤ {MAX_GROWTH_EXPONENT} (linear)",
        met(wall_k <= MAX_GROWTH_EXPONENT),
    ]


def scaling_lines(scaling: Sequence[ScaleResult]) -> list[str]:
    """Markdown lines for the scaling table."""
    if not scaling:
        return ["Skipped (`--scales ''`)."]
    rows = [
        [
            f"x{result.copies}",
            f"{result.rows:,}",
            seconds(median(walls(run.total for run in result.runs))),
            seconds(median(walls(run.work for run in result.runs))),
            seconds(median(cpus(run.work for run in result.runs))),
            seconds(median(walls(run.work for run in result.runs)) / result.rows * 100_000),
            f"{median(run.max_rss_mib for run in result.runs):,.0f} MiB",
        ]
        for result in scaling
    ]
    header = ["data", "rows", "total", "work", "work CPU", "work per 100k rows", "peak RSS"]
    lines = [
        "The one-process pipeline on the bundled CSV with its rows repeated: the split, the model "
        "and the evaluation all see the bigger table (permutation importance samples at most "
        "`evaluate.importance_max_rows` rows).",
        "",
        markdown_table(header, rows),
    ]
    if len(scaling) >= 2:
        sizes = [result.rows for result in scaling]
        memory = [median(run.max_rss_mib for run in result.runs) for result in scaling]
        lines += [
            "",
            "k is the slope of log(work seconds) against log(rows): 1 is linear; fixed costs keep "
            "it below 1 on small data. Peak memory (of the whole process, imports included) "
            f"grows as rows^{growth_exponent(sizes, memory):.2f} over the same range.",
        ]
    return lines
