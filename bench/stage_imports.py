"""Where the full repro's extra time goes: each stage process's own imports, measured.

`dvc repro` runs five `tabml` processes where the floor runs one, so each pays its imports
again. Each stage command runs here under `python -X importtime` in the floor's project, and
its top-level imports (lazy ones included: they start with an empty import stack) are summed,
with two shares apart. `import skops.io` discovers its trusted types when it loads (it imports
every scikit-learn estimator, and pytest when installed, and searches every loaded module for
scipy's ufuncs), a cost of skops's own that the three stages reading or writing a model file pay.
`scipy.stats`, wherever it is first imported, is the heaviest import inside scikit-learn's own:
`sklearn.utils.fixes` imports it on any scikit-learn import, and so do the preprocessing, loss
and metrics modules the stages use. importtime adds its own overhead, so these are shares, not
exact seconds.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from measure import BenchError, Timing, log, markdown_table, measure, median, seconds, walls

STAGES = ("validate", "prepare", "featurize", "train", "evaluate")
STATS = "scipy.stats"


@dataclass(frozen=True)
class StageImports:
    """Median seconds of each stage's top-level imports, and of skops's and scipy.stats's."""

    total: dict[str, float]
    skops: dict[str, float]
    stats: dict[str, float]


def importtime_entries(stderr: str) -> Iterator[tuple[str, float]]:
    """Each import in `python -X importtime` output, in order: its name as indented there (one
    leading space for a top-level import) and its cumulative seconds."""
    for line in stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                yield name, int(cumulative) / 1e6


def top_level_imports(stderr: str) -> dict[str, float]:
    """Cumulative seconds of each top-level import in `python -X importtime` output."""
    found: dict[str, float] = {}
    for name, elapsed in importtime_entries(stderr):
        if name.startswith(" ") and name[1:2] != " ":
            found[name.strip()] = found.get(name.strip(), 0.0) + elapsed
    return found


def module_import(stderr: str, module: str) -> float:
    """Cumulative seconds of `module`'s import in `python -X importtime` output, at any depth."""
    return next((t for name, t in importtime_entries(stderr) if name.strip() == module), 0.0)


def bench_stage_imports(project: Path, env: dict[str, str], runs: int) -> StageImports:
    """Each stage command `runs` times under importtime, in order, in a reproduced `project`."""
    totals: dict[str, list[float]] = {stage: [] for stage in STAGES}
    skops: dict[str, list[float]] = {stage: [] for stage in STAGES}
    stats: dict[str, list[float]] = {stage: [] for stage in STAGES}
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
            stats[stage].append(module_import(run.output, STATS))
    return StageImports(*({s: median(v) for s, v in d.items()} for d in (totals, skops, stats)))


def stage_import_lines(result: StageImports, repro: list[Timing], floor: list[Timing]) -> list[str]:
    """A table of each stage's imports, and what the two shares mean for the repro ratio."""
    rows = [
        [
            f"`tabml {stage}`",
            seconds(result.total[stage]),
            seconds(result.skops[stage]),
            seconds(result.stats[stage]),
        ]
        for stage in STAGES
    ]
    total, skops, stats = (sum(d.values()) for d in (result.total, result.skops, result.stats))
    rows.append(["all five", seconds(total), seconds(skops), seconds(stats)])
    repro_wall, floor_wall = median(walls(repro)), median(walls(floor))
    # The floor pays each share once: about as much as the stage that pays the most. The stages
    # import scikit-learn before skops, so scipy.stats is not also inside skops's share.
    floor_skops, floor_stats = max(result.skops.values()), max(result.stats.values())
    without_skops = (repro_wall - skops) / max(floor_wall - floor_skops, 1e-9)
    without_both = (repro_wall - skops - stats) / max(floor_wall - floor_skops - floor_stats, 1e-9)
    folded = (repro_wall - result.total["featurize"]) / max(floor_wall, 1e-9)
    return [
        "Each stage's own imports (`python -X importtime`, top-level imports summed; importtime "
        "adds overhead, so read them as shares) and two shares among them. `skops.io` discovers "
        "its trusted types when imported: it imports every scikit-learn estimator (and pytest, "
        "when installed) and searches every loaded module for scipy's ufuncs. `scipy.stats` is "
        "counted wherever it is first imported: scikit-learn imports it from "
        "`sklearn.utils.fixes` on any import, and its preprocessing, loss and metrics modules "
        "need it too.",
        "",
        markdown_table(
            ["stage process", "imports", "of which skops.io", f"of which {STATS}"], rows
        ),
        "",
        "Every stage process pays these again, where the floor pays them once. Without skops's "
        "import, `dvc repro --force` would be about "
        f"{without_skops:.1f}x the floor ({seconds(repro_wall - skops)} against "
        f"{seconds(floor_wall - floor_skops)}), and without scipy.stats's as well about "
        f"{without_both:.1f}x: the floor gets cheaper by the same imports, once. Both come from "
        "scikit-learn and skops, not from this project's code, and the rest is what every process "
        "imports anyway (pandas, pyarrow, the rest of scikit-learn), DVC's own work and the "
        "`validate` stage. Only fewer processes would close the gap: folding `featurize` into "
        f"`train` would save one ({seconds(result.total['featurize'])} of imports: about "
        f"{folded:.1f}x), but every sweep candidate and every change to `train` params would then "
        "fit the featurizer again, which DVC now skips; on big tables that work, not the imports, "
        "is what counts (the scale section below).",
    ]
