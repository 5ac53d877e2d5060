"""`dvc repro` against its floors: the one-process pipeline, and DVC's no-op on one stage.

The full repro is compared with the same four stage functions in one Python process (what
DVC and one process per stage cost); the project's no-op repro with DVC's own no-op on a
one-stage pipeline (what the project's stages, params and outs add to DVC's fixed cost), and,
to tell DVC's per-stage cost from the project's, on a chain of as many trivial stages as the
project has.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from measure import (
    THREAD_VARS,
    BenchError,
    Timing,
    copy_repo,
    cpus,
    git_commit_all,
    log,
    measure,
    median,
    run_list,
    seconds,
    tool_env,
    walls,
)

ONE_PROCESS = Path("bench/one_process.py")
PARAMS = Path("params.yaml")
STAGES = ("prepare", "featurize", "train", "evaluate")
PROJECT_STAGES = 5  # validate, prepare, featurize, train, evaluate


def chain_dvc_yaml(stages: int) -> str:
    """A dvc.yaml of `stages` trivial stages, each copying the previous one's output."""
    lines = ["stages:"]
    for number in range(1, stages + 1):
        source = "input.txt" if number == 1 else f"output{number - 1}.txt"
        target = "output.txt" if number == stages else f"output{number}.txt"
        lines += [f"  copy{number}:", f"    cmd: cp {source} {target}", "    deps:"]
        lines += [f"      - {source}", "    outs:", f"      - {target}"]
    return "\n".join(lines) + "\n"


def replicate_csv(text: str, copies: int) -> str:
    """The header once, then the data rows `copies` times."""
    if copies < 1:
        raise ValueError("copies must be at least 1")
    header, _, rows = text.partition("\n")
    if rows and not rows.endswith("\n"):
        rows += "\n"
    return f"{header}\n{rows * copies}"


def is_noop(output: str) -> bool:
    """Whether `dvc repro` ran nothing: DVC says every stage was unchanged and nothing ran."""
    return "up to date" in output and "Running stage" not in output


def one_stage_project(target: Path, env: dict[str, str], stages: int = 1) -> Path:
    """A git + DVC repository with a chain of `stages` trivial stages (one dep, one out each),
    reproduced once.

    The no-op `dvc repro` of one stage is DVC's fixed cost (start-up, reading dvc.yaml and
    dvc.lock, hashing one file), the floor that the project's own no-op is held against."""
    target.mkdir(parents=True)
    (target / "input.txt").write_text("one stage\n", encoding="utf-8")
    (target / "dvc.yaml").write_text(chain_dvc_yaml(stages), encoding="utf-8")
    git_commit_all(target, "one-stage pipeline")
    measure(["dvc", "init", "-q"], target, env)
    with (target / ".dvc" / "config").open("a", encoding="utf-8") as config:
        config.write("[core]\n    analytics = false\n")  # as this project's .dvc/config
    measure(["dvc", "repro"], target, env)
    git_commit_all(target, "reproduced")
    return target


@dataclass(frozen=True)
class FloorRun:
    """One run of bench/one_process.py: in total, and split as the script reports it."""

    total: Timing
    imports: Timing
    work: Timing
    max_rss_mib: float


@dataclass(frozen=True)
class Snapshot:
    """A scratch git copy of the repository. Every run imports its code (PYTHONPATH), so edits
    made to the working tree while the benchmark runs cannot change what is measured."""

    repo: Path
    env: dict[str, str]

    @classmethod
    def create(cls, scratch: Path, threads: int) -> Snapshot:
        """Copy the repository into `scratch`; pin math libraries to `threads` (0: default)."""
        repo = copy_repo(scratch / "repo")
        extra = {"PYTHONPATH": str(repo / "src"), "DVC_SITE_CACHE_DIR": str(scratch / "dvc-site")}
        if threads > 0:
            extra |= dict.fromkeys(THREAD_VARS, str(threads))
        return cls(repo, tool_env(**extra))

    def project(self, target: Path, copies: int) -> int:
        """A project (no git) with the raw table replicated `copies` times; returns its rows."""
        data = yaml.safe_load((self.repo / PARAMS).read_text(encoding="utf-8"))["data"]
        raw, contract = Path(data["path"]), Path(data["contract"])
        for name in (PARAMS, contract, raw):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.repo / PARAMS, target / PARAMS)
        shutil.copy2(self.repo / contract, target / contract)
        table = replicate_csv((self.repo / raw).read_text(encoding="utf-8"), copies)
        (target / raw).write_text(table, encoding="utf-8")
        return table.count("\n") - 1

    def floor(self, project: Path) -> FloorRun:
        """The whole pipeline in one fresh Python process (imports included)."""
        run = measure([sys.executable, str(self.repo / ONE_PROCESS)], project, self.env)
        report = json.loads(run.output.strip().splitlines()[-1])
        imports, work = (Timing(**report[part]) for part in ("imports", "work"))
        return FloorRun(run.timing, imports, work, run.max_rss_mib)


@dataclass(frozen=True)
class PipelineResult:
    """Full and no-op `dvc repro`, the four CLI commands, the one-process floor, and the
    no-op `dvc repro` of a one-stage pipeline."""

    repro: list[Timing]
    commands: list[Timing]
    floor: list[FloorRun]
    noop: list[Timing]
    one_stage_noop: list[Timing]
    same_metrics: bool
    chain_noop: list[Timing]


def noop_repro(repo: Path, env: dict[str, str]) -> Timing:
    """One `dvc repro` that must find nothing to do."""
    run = measure(["dvc", "repro"], repo, env)
    if not is_noop(run.output):
        raise BenchError(f"`dvc repro` in {repo} was not a no-op:\n{run.output}")
    return run.timing


def bench_pipeline(snapshot: Snapshot, scratch: Path, runs: int) -> PipelineResult:
    """`dvc repro --force`, the four `tabml` commands and the floor, interleaved; then the
    project's no-op repro interleaved with the one-stage pipeline's."""
    repo, env = snapshot.repo, snapshot.env
    floor_project = scratch / "floor"
    snapshot.project(floor_project, 1)
    log("warm-up: dvc repro in a scratch copy of the repository")
    measure(["dvc", "repro"], repo, env)
    repro, commands, floor = [], [], []
    for number in range(1, runs + 1):
        log(f"run {number}/{runs}: dvc repro --force, the four tabml commands, one process")
        repro.append(measure(["dvc", "repro", "--force"], repo, env).timing)
        stage_runs = [measure(["tabml", stage], floor_project, env).timing for stage in STAGES]
        commands.append(sum(stage_runs[1:], stage_runs[0]))
        floor.append(snapshot.floor(floor_project))
    log("no-op dvc repro: this project against a one-stage pipeline, interleaved")
    one_stage = one_stage_project(scratch / "one-stage", env)
    chain = one_stage_project(scratch / "chain", env, PROJECT_STAGES)
    for warm_up in (one_stage, chain):  # the first no-op after a repro can differ
        noop_repro(warm_up, env)
    noop, one_stage_noop, chain_noop = [], [], []
    for _ in range(runs):
        noop.append(noop_repro(repo, env))
        one_stage_noop.append(noop_repro(one_stage, env))
        chain_noop.append(noop_repro(chain, env))
    metrics = Path("reports/metrics.json")
    same = (repo / metrics).read_bytes() == (floor_project / metrics).read_bytes()
    return PipelineResult(repro, commands, floor, noop, one_stage_noop, same, chain_noop)


def pipeline_rows(result: PipelineResult) -> list[list[str]]:
    """The rows of the full-pipeline table: wall and CPU medians, and every run's wall time."""
    floor = result.floor
    rest = [run.total - run.imports - run.work for run in floor]
    indent = "&nbsp;&nbsp;&nbsp;&nbsp;"
    named: list[tuple[str, list[Timing]]] = [
        (
            "`dvc repro --force`: five stages (`validate` first), one `tabml` process each",
            result.repro,
        ),
        ("the four `tabml` commands in a row, without DVC", result.commands),
        ("one process (`bench/one_process.py`)", [run.total for run in floor]),
        (f"{indent}imports (the stage modules and what they import)", [r.imports for r in floor]),
        (f"{indent}work (read CSV, four stages, write outputs)", [run.work for run in floor]),
        (f"{indent}interpreter start-up and exit", rest),
        ("no-op `dvc repro` of this project (nothing changed)", result.noop),
        ("no-op `dvc repro` of a one-stage pipeline (one dep, one out)", result.one_stage_noop),
        (
            f"no-op `dvc repro` of {PROJECT_STAGES} trivial stages in a chain (one dep, one out "
            "each)",
            result.chain_noop,
        ),
    ]
    return [
        [name, seconds(median(walls(runs))), seconds(median(cpus(runs))), run_list(walls(runs))]
        for name, runs in named
    ]


def noop_note(result: PipelineResult) -> str:
    """One sentence telling DVC's per-stage cost of a no-op from the project's own."""
    project, one, chain = (
        median(walls(r)) for r in (result.noop, result.one_stage_noop, result.chain_noop)
    )
    return (
        f"A no-op `dvc repro` costs DVC something per stage: {PROJECT_STAGES} trivial stages in "
        f"a chain take {seconds(chain)} against one stage's {seconds(one)} ({chain / one:.2f}x), "
        f"and this project's {PROJECT_STAGES} stages {seconds(project)}, {project / chain:.2f}x "
        "the chain: the rest is the project's own (each stage reads its params from "
        "params.yaml, dvc.yaml interpolates `${data.path}`, and there are more deps and outs)."
    )
