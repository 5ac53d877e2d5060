"""Where the full repro's extra time goes: each stage process's own imports, measured.

`dvc repro` runs five `tabml` processes where the floor runs one, so each pays its imports
again. Each stage command runs here under `python -X importtime` in the floor's project, and
its top-level imports (lazy ones included: they start with an empty import stack) are summed,
with skops's share apart: `import skops.io` discovers its trusted types when it loads (it
imports every scikit-learn estimator, and pytest when installed, and searches every loaded
module for scipy's ufuncs), a cost of skops's own that the three stages reading or writing a
model file pay. importtime adds its own overhead, so these are shares, not exact seconds.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from measure import BenchError, Timing, log, markdown_table, measure, median, seconds, walls

STAGES = ("validate", "prepare", "featurize", "train", "evaluate")


@dataclass(frozen=True)
class StageImports:
    """Median seconds of each stage's top-level imports, and of skops's among them."""

    total: dict[str, float]
    skops: dict[str, float]


def top_level_imports(stderr: str) -> dict[str, float]:
    """Cumulative seconds of each top-level import in `python -X importtime` output."""
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and name.startswith(" ") and name[1:2] != " ":
            found[name.strip()] = found.get(name.strip(), 0.0) + int(cumulative) / 1e6
    return found


def bench_stage_imports(project: Path, env: dict[str, str], runs: int) -> StageImports:
    """Each stage command `runs` times under importtime, in order, in a reproduced `project`."""
    totals: dict[str, list[float]] = {stage: [] for stage in STAGES}
    skops: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for number in range(1, runs + 1):
        log(f"stage imports {number}/{runs}: each stage under python -X importtime")
        for stage in STAGES:
            cmd = [sys.executable, "-X", "importtime", "-m", "tabml", stage]
            run = measure(cmd, project, env)
            imports = top_level_imports(run.output)
            if not imports:
                raise BenchError(f"no importtime lines from `tabml {stage}`")
            totals[stage].append(sum(imports.values()))
            skops[stage].append(sum(t for n, t in imports.items() if n.split(".")[0] == "skops"))
    return StageImports(
        {s: median(v) for s, v in totals.items()}, {s: median(v) for s, v in skops.items()}
    )


def stage_import_lines(result: StageImports, repro: list[Timing], floor: list[Timing]) -> list[str]:
    """A table of each stage's imports, and what skops's share means for the repro ratio."""
    rows = [
        [f"`tabml {stage}`", seconds(result.total[stage]), seconds(result.skops[stage])]
        for stage in STAGES
    ]
    total, skops = sum(result.total.values()), sum(result.skops.values())
    rows.append(["all five", seconds(total), seconds(skops)])
    repro_wall, floor_wall = median(walls(repro)), median(walls(floor))
    without = (repro_wall - skops) / floor_wall
    return [
        "Each stage's own imports (`python -X importtime`, top-level imports summed; importtime "
        "adds overhead, so read them as shares) and, among them, `skops.io`'s, which discovers "
        "its trusted types when imported: it imports every scikit-learn estimator (and pytest, "
        "when installed) and searches every loaded module for scipy's ufuncs.",
        "",
        markdown_table(["stage process", "imports", "of which skops.io"], rows),
        "",
        f"Without skops's import in the stages that read or write a model file, `dvc repro "
        f"--force` would take about {seconds(repro_wall - skops)}, {without:.1f}x the floor. "
        "The rest is pandas and scikit-learn, imported again by each stage process. Folding "
        "`featurize` into `train` would save one process, but every sweep candidate and every "
        "change to `train` params would then fit the featurizer again, which DVC now skips; on "
        "big tables that work, not the imports, is what counts (the scale section below).",
    ]
