"""Benchmark the PR report: the bootstrap alone, and `tabml report` end to end.

Usage: python bench/report.py [--runs 3] [--test-rows 2000000] [--test-size 0.5]
                              [--write docs/performance.md]

The end-to-end run compares a no-op PR branch with main in a scratch git copy of this repository
(real `dvc repro` once for the setup, then `tabml report` timed), so it includes a git worktree
of the base, `dvc status` on both sides and the paired bootstrap over the bundled test split.
Then `make report` on a generated table whose test split has `--test-rows` rows (issue 12's
target: 2M rows in at most 60 s; bench/report_scale.py); `--test-rows 0` skips it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import (
    copy_repo,
    log,
    markdown_table,
    measure,
    replace_section,
    tool_env,
    verdict,
)
from report_scale import BigReport, bench_big_report, lines
from tabml.compare.bootstrap import Sample, bootstrap_deltas

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:report:start -->", "<!-- bench:report:end -->"
METRICS = ["roc_auc", "accuracy", "precision", "recall", "f1", "log_loss", "brier"]
TARGET_SECONDS = 5.0


def samples(rows: int) -> tuple[Sample, Sample]:
    """The committed predictions resampled to `rows` rows, and a perturbed copy as the PR."""
    frame = pd.read_csv(ROOT / "reports/predictions.csv")
    frame = frame.sample(rows, replace=rows > len(frame), random_state=0)
    rng = np.random.default_rng(0)
    scores = frame["score"].to_numpy()
    perturbed = np.clip(scores + rng.normal(0, 0.02, len(scores)), 0, 1).round(6)
    labels = frame["label"].to_numpy()
    return (
        Sample(labels, scores, (scores >= 0.5).astype(int)),
        Sample(labels, perturbed, (perturbed >= 0.5).astype(int)),
    )


def time_bootstrap(rows: int, paired: bool, runs: int) -> float:
    """Median seconds of 1,000 resamples of all seven metrics."""
    base, pr = samples(rows)
    timings = []
    for number in range(1, runs + 1):
        kind = "paired" if paired else "unpaired"
        log(f"bootstrap, {rows:,} rows, {kind}: run {number}/{runs}")
        start = time.perf_counter()
        bootstrap_deltas(base, pr, METRICS, paired=paired, resamples=1000)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def time_report(runs: int) -> list[float]:
    """Wall seconds of `tabml report` on a no-op PR branch, after one setup repro."""
    with tempfile.TemporaryDirectory(prefix="tabml-bench-report-") as tmp:
        repo = copy_repo(Path(tmp) / "repo")
        env = tool_env(PYTHONPATH=str(repo / "src"))
        log("tabml report: dvc repro in a scratch copy of the repository")
        measure(["dvc", "repro"], repo, env)
        measure(["git", "checkout", "-q", "-b", "pr"], repo, env)
        walls = []
        for number in range(1, runs + 1):
            log(f"tabml report on a no-op PR: run {number}/{runs}")
            walls.append(measure(["tabml", "report", "--base", "main"], repo, env).timing.wall)
        return walls


def render(runs: int, big: BigReport | None) -> str:
    """The markdown section with this run's numbers (`big`: the big-split run, if any)."""
    rows = []
    for n in (10_000, 50_000):
        paired = time_bootstrap(n, True, runs)
        unpaired = time_bootstrap(n, False, runs)
        rows.append([f"{n:,}", f"{paired:.2f} s", f"{unpaired:.2f} s"])
    report = time_report(runs)
    median = statistics.median(report)
    return "\n".join(
        [
            "## PR report",
            "",
            f"Bootstrap of all seven metrics, 1,000 resamples (median of {runs}):",
            "",
            markdown_table(["test rows", "paired", "unpaired"], rows),
            "",
            "`tabml report` end to end on a no-op PR (9,769 test rows; a git worktree of the "
            "base, `dvc status` on both sides, paired bootstrap incl. slices, rendering), "
            f"median of {runs}: "
            f"**{median:.2f} s** (runs: {', '.join(f'{t:.2f}' for t in report)}); "
            f"target under {TARGET_SECONDS:.0f} s: {verdict(median < TARGET_SECONDS)}.",
            "",
            *lines(big),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    """Print the section, and write it into a markdown file when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--test-rows", type=int, default=2_000_000, help="test rows of the big run (0: skip it)"
    )
    parser.add_argument("--test-size", type=float, default=0.5, help="split.test_size of it")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.test_rows < 0 or not 0 < args.test_size < 1:
        parser.error("--runs must be at least 1, --test-rows at least 0, --test-size in (0, 1)")
    big = None
    if args.test_rows:
        big = bench_big_report(args.test_rows, args.test_size, args.runs)
    section = render(args.runs, big)
    print(section)
    if args.write:
        document = args.write.read_text() if args.write.exists() else "# Performance\n"
        args.write.write_text(replace_section(document, section, START, END))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
