"""The `bench:scale` section of docs/performance.md: issue 12's 10M-row targets, met or not.

Pure functions of the runs that bench/scale.py measured, so the verdicts, the growth exponent
and the rendering are unit-tested without running a pipeline.

- At `TARGET_ROWS` rows, one full `dvc repro` takes at most `MAX_WALL_SECONDS` of wall time and
  the whole process tree (DVC and the stage it runs) peaks at most at `MAX_TREE_BYTES` resident.
- From `GROWTH_FROM` to `GROWTH_TO` rows, wall and CPU time grow as rows^k with k at most 1: the
  least-squares slope in log-log space, as measured. Fixed costs (interpreter and DVC start-ups,
  imports) pull k below 1 on small tables, so the section also states them, from a linear fit.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline import git_output, growth_exponent, markdown_table

START, END = "<!-- bench:scale:start -->", "<!-- bench:scale:end -->"
TARGET_ROWS = 10_000_000
MAX_WALL_SECONDS = 600.0
MAX_TREE_BYTES = 3_000_000_000  # 3 GB, read strictly: 2,861 MiB
GROWTH_FROM, GROWTH_TO = 1_000_000, 10_000_000
MAX_GROWTH_EXPONENT = 1.0
MIB = 2**20


@dataclass
class Run:
    """One `dvc repro` on `rows` rows: wall seconds and peak RSS (MiB), in total and per stage;
    CPU seconds (user + system) of the whole tree."""

    rows: int
    format: str
    wall: float = 0.0
    peak_rss_mib: float = 0.0
    stage_wall: dict[str, float] = field(default_factory=dict)
    stage_rss_mib: dict[str, float] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)
    cpu: float = 0.0


def met(passed: bool) -> str:
    """`met`, or `not met` in bold."""
    return "met" if passed else "**not met**"


def linear_fit(sizes: Sequence[float], values: Sequence[float]) -> tuple[float, float]:
    """Least-squares `value = fixed + per_row * size`: the (fixed, per_row) pair."""
    if len(sizes) != len(values) or len(set(sizes)) < 2:
        raise ValueError("need values at two or more distinct sizes")
    mean_x, mean_y = sum(sizes) / len(sizes), sum(values) / len(values)
    spread = sum((x - mean_x) ** 2 for x in sizes)
    per_row = sum((x - mean_x) * (y - mean_y) for x, y in zip(sizes, values, strict=True)) / spread
    return mean_y - per_row * mean_x, per_row


def markdown(runs: Sequence[Run], stages: Sequence[str]) -> str:
    """The runs as one table: total wall, CPU and peak RSS, then each stage's."""
    head = ["rows", "format", "wall s", "CPU s", "peak RSS MiB (tree)"]
    head += [f"{s} s / MiB" for s in stages] + ["load avg start/end"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for run in runs:
        cells = [f"{run.rows:,}", run.format, f"{run.wall:.1f}", f"{run.cpu:.1f}"]
        cells.append(f"{run.peak_rss_mib:.0f}")
        for stage in stages:
            wall, rss = run.stage_wall.get(stage), run.stage_rss_mib.get(stage)
            cells.append("-" if wall is None or rss is None else f"{wall:.1f} / {rss:.0f}")
        cells.append(f"{run.load[0]:.1f} / {run.load[1]:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def target_runs(runs: Sequence[Run]) -> list[Run]:
    """The runs at exactly `TARGET_ROWS` rows."""
    return [run for run in runs if run.rows == TARGET_ROWS]


def growth_runs(runs: Sequence[Run]) -> tuple[list[Run], bool]:
    """The runs the exponent is fitted on, and whether they span the target range.

    When runs at both ends of `GROWTH_FROM`..`GROWTH_TO` exist, only the runs inside it count;
    otherwise every run does, and the exponent is shown but not judged."""
    inside = [run for run in runs if GROWTH_FROM <= run.rows <= GROWTH_TO]
    sizes = {run.rows for run in inside}
    if GROWTH_FROM in sizes and GROWTH_TO in sizes:
        return inside, True
    return list(runs), False


def summary_rows(runs: Sequence[Run]) -> list[list[str]]:
    """One row per target: what, measured, target, result."""
    limit_mib = MAX_TREE_BYTES / MIB
    at_target = target_runs(runs)
    wall_what = f"full `dvc repro` at {TARGET_ROWS:,} rows: wall"
    rss_what = f"full `dvc repro` at {TARGET_ROWS:,} rows: peak RSS of the process tree"
    wall_goal = f"≤ {MAX_WALL_SECONDS / 60:.0f} min"
    rss_goal = f"≤ 3 GB ({limit_mib:,.0f} MiB)"
    if at_target:
        wall = max(run.wall for run in at_target)
        rss = max(run.peak_rss_mib for run in at_target)
        rows = [
            [
                wall_what,
                f"{wall:.0f} s ({wall / 60:.1f} min)",
                wall_goal,
                met(wall <= MAX_WALL_SECONDS),
            ],
            [rss_what, f"{rss:,.0f} MiB", rss_goal, met(rss <= limit_mib)],
        ]
    else:
        largest = max((run.rows for run in runs), default=0)
        why = f"not measured (largest run: {largest:,} rows)"
        rows = [[wall_what, "-", wall_goal, why], [rss_what, "-", rss_goal, why]]
    fitted, judged = growth_runs(runs)
    sizes = [float(run.rows) for run in fitted]
    what = f"growth from {GROWTH_FROM:,} to {GROWTH_TO:,} rows: time ~ rows^k"
    goal = f"k ≤ {MAX_GROWTH_EXPONENT:.1f} (wall and CPU)"
    if len(set(sizes)) < 2:
        return [*rows, [what, "-", goal, "not measured (fewer than two sizes)"]]
    wall_k = growth_exponent(sizes, [run.wall for run in fitted])
    cpu_k = growth_exponent(sizes, [run.cpu for run in fitted])
    measured = f"k = {wall_k:.2f} wall, {cpu_k:.2f} CPU"
    if not judged:
        span = f"{min(run.rows for run in fitted):,} to {max(run.rows for run in fitted):,}"
        return [*rows, [what, f"{measured} (rows {span})", goal, "not judged (other sizes)"]]
    passed = max(wall_k, cpu_k) <= MAX_GROWTH_EXPONENT
    return [*rows, [what, measured, goal, met(passed)]]


def fixed_cost_lines(runs: Sequence[Run]) -> list[str]:
    """The linear fit of wall and CPU time over the exponent's runs: fixed and per-row costs."""
    fitted, _ = growth_runs(runs)
    sizes = [float(run.rows) for run in fitted]
    if len(set(sizes)) < 2:
        return []
    wall_fixed, wall_slope = linear_fit(sizes, [run.wall for run in fitted])
    cpu_fixed, cpu_slope = linear_fit(sizes, [run.cpu for run in fitted])
    smallest = min(fitted, key=lambda run: run.rows)
    share = wall_fixed / smallest.wall if smallest.wall > 0 else 0.0
    return [
        f"A straight line through the same runs gives **{wall_fixed:.1f} s** of fixed wall time "
        f"plus {wall_slope * 1e6:.1f} s per million rows (CPU: {cpu_fixed:.1f} s fixed plus "
        f"{cpu_slope * 1e6:.1f} s per million rows). The fixed part (DVC's start-up and hashing, "
        "five `tabml` processes importing pandas and scikit-learn, fixed-size work such as "
        f"permutation importance on at most `evaluate.importance_max_rows` rows) is "
        f"{share:.0%} of the {smallest.rows:,}-row wall time; it lowers k, which is stated as "
        "measured, with nothing subtracted.",
    ]


@dataclass(frozen=True)
class Setup:
    """How the runs were made, for the section's first paragraph."""

    fmt: str
    dvc_tracked: bool
    threads: int
    load: tuple[float, float]


def render(runs: Sequence[Run], stages: Sequence[str], setup: Setup) -> str:
    """The markdown section, without its markers."""
    commit = git_output("rev-parse", "--short", "HEAD")
    dirty = " plus uncommitted changes" if git_output("status", "--porcelain") else ""
    kept = "tracked by DVC (`dvc add`)" if setup.dvc_tracked else "committed to git"
    sizes = ",".join(str(run.rows) for run in runs)
    return "\n".join(
        [
            "## Scale: the pipeline on generated tables",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d} at commit `{commit}`{dirty} by "
            f"`bench/scale.py` (`make bench SCALE_ROWS={sizes}`), one run per size. Each run is "
            "a scratch git copy of the repository whose raw table is an Adult-shaped "
            f"{setup.fmt} table of N rows (`bench/generate.py`: resampled rows, jittered "
            f"numbers), {kept}, then one `dvc repro --force`. Wall time and the peak resident "
            "memory of the whole process tree (DVC and the stage it runs, summed) are polled "
            "from /proc every 50 ms; CPU seconds (user + system) of the tree come from wait4. "
            f"Math libraries run {setup.threads} thread(s) (`OMP_NUM_THREADS`); "
            f"{os.cpu_count()} cores, load average {setup.load[0]:.1f} at the start and "
            f"{setup.load[1]:.1f} at the end.",
            "",
            markdown_table(["what", "measured", "target", "result"], summary_rows(runs)),
            "",
            *(line for text in fixed_cost_lines(runs) for line in (text, "")),
            "Each stage: wall seconds (first to last sight of its `tabml` process) / its peak "
            "RSS in MiB.",
            "",
            markdown(runs, stages).rstrip("\n"),
        ]
    )
