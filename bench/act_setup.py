"""The PR loop's setup time under act, with cold and warm caches (issue 12: report, no target).

    python bench/act_setup.py [--runs 1] [--write docs/performance.md]

Runs the `report` job of .github/workflows/pr-report.yml on PR #7 of the test loop
(tests/workflows/pr_loop.py: a reproduced copy of HEAD, a PR that changes the learning rate),
offline under act on the host, first **cold** (an empty cache store for the actions/cache
stand-in, an empty `UV_CACHE_DIR`, so uv downloads every wheel), then **warm** (the store and uv
cache that the cold run filled). `--runs N` repeats the pair and reports medians. Setup time
is the sum of act's step durations from checkout through `make setup`; the whole job is act's
wall time. Progress goes to stderr (`[bench] ...`), the markdown section to stdout, and with
`--write` between this script's markers in that file.

It imports the workflow harness of tests/workflows (act.py, github_emulator.py, pr_loop.py):
that harness is the only way to run the workflow offline (stand-ins for the remote actions,
the cache store, a loopback GitHub API), and timing a copy of it would time something else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests.workflows` below
from tests.workflows.act import run_act
from tests.workflows.github_emulator import GitHubEmulator
from tests.workflows.pr_loop import REPORT_WORKFLOW, PrLoop, build_loop

from measure import (
    ROOT,
    BenchError,
    git_commit_all,
    git_output,
    log,
    markdown_table,
    measure,
    median,
    seconds,
    tool_env,
    write_section,
)
from tabml.progress import track

START, END = "<!-- bench:act:start -->", "<!-- bench:act:end -->"
LAST_SETUP_STEP = "make setup"
BUSY_LOAD = 1.2
STEP = re.compile(r"(Success|Failure) - (Main|Post) (.+?) \[([0-9.hmsuµn]+)\]\s*$")
GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def go_duration(text: str) -> float:
    """Seconds in a Go duration as act prints it: `1m2.5s`, `350.2ms`, `12µs`."""
    parts = re.findall(r"([0-9.]+)(ms|us|µs|ns|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a Go duration: {text!r}")
    return sum(float(number) * GO_UNITS[unit] for number, unit in parts)


def step_labels(workflow: Path) -> dict[str, list[str]]:
    """The job's own steps, by the name act prints (`name:`, else `uses:` or `run:`), each
    with a readable label: `actions/cache@<sha>` becomes `actions/cache (.venv)` by its path."""
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["report"]["steps"]
    labels: dict[str, list[str]] = {}
    for step in steps:
        shown = str(step.get("name") or step.get("uses") or step["run"]).strip()
        label = shown
        if "uses" in step and "name" not in step:
            path = (step.get("with") or {}).get("path")
            label = step["uses"].split("@")[0] + (f" ({path})" if path else "")
        labels.setdefault(shown, []).append(label)
    return labels


def parse_steps(output: str, labels: dict[str, list[str]]) -> list[tuple[str, float]]:
    """(`Main make setup`, seconds) for each of the job's own steps act finished, in order.

    The steps inside composite stand-ins and the `Pre` steps are left out. A repeated step
    (two `actions/cache@<sha>`) takes its labels in order for Main and in reverse for Post:
    act runs the post steps last first."""
    taken: dict[tuple[str, str], int] = {}
    found: list[tuple[str, float]] = []
    for line in output.splitlines():
        match = STEP.search(line)
        if not match or match.group(3) not in labels:
            continue
        _, phase, name, duration = match.groups()
        names = labels[name]
        index = taken.get((phase, name), 0) % len(names)
        taken[(phase, name)] = index + 1
        label = names[index if phase == "Main" else len(names) - 1 - index]
        found.append((f"{phase} {label}", go_duration(duration)))
    return found


def setup_seconds(steps: list[tuple[str, float]]) -> float:
    """Sum of the Main steps' durations from the first through `make setup`."""
    total = 0.0
    for name, duration in steps:
        total += duration if name.startswith("Main ") else 0.0
        if name == f"Main {LAST_SETUP_STEP}":
            return total
    raise BenchError(f"no `{LAST_SETUP_STEP}` step in act's output")


@dataclass
class JobRun:
    """One act run of the report job: its mode, step durations, setup and wall seconds."""

    mode: str
    steps: list[tuple[str, float]]
    setup: float
    wall: float


def reproduced_head(scratch: Path) -> Path:
    """HEAD (not the working tree, which may hold someone's unfinished work) with `dvc repro`
    run, as the tests' `reproduced_repo` fixture makes it."""
    repo = scratch / "reproduced"
    repo.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive.stdout, check=True)
    git_commit_all(repo, "HEAD for bench/act_setup.py")
    measure(["dvc", "repro"], repo, tool_env())
    return repo


def expect(result_records: list[dict[str, object]], outcomes: list[str], mode: str) -> None:
    """Fail unless the cache stand-in did what `mode` means (never mislabel a number)."""
    seen = [str(record.get("outcome")) for record in result_records]
    if seen != outcomes:
        raise BenchError(f"{mode} run: the cache stand-in did {seen}, expected {outcomes}")


def run_job(
    loop: PrLoop, scratch: Path, mode: str, number: int, labels: dict[str, list[str]]
) -> JobRun:
    """One run of the report job with the store and uv cache of pair `number`."""
    pair = scratch / f"pair-{number}"
    run_id = 200 + 2 * number + (mode == "warm")
    with GitHubEmulator() as api, track(f"[bench] act: {mode} run {number + 1}"):
        began = time.perf_counter()
        result = run_act(
            loop.repo,
            REPORT_WORKFLOW,
            "pull_request",
            loop.pr_event(1),
            tmp=scratch / f"act-{run_id}",
            api=api,
            run_id=run_id,
            env={"UV_CACHE_DIR": str(pair / "uv-cache")},
            cache=pair / "store",
        )
        wall = time.perf_counter() - began
    (scratch / f"act-{run_id}.log").write_text(result.output, encoding="utf-8")
    if not result.ok:
        raise BenchError(f"the {mode} run failed:\n{result.output[-3000:]}")
    cold = ["miss", "miss", "saved", "saved"]
    expect(result.records("actions/cache"), cold if mode == "cold" else ["hit", "hit"], mode)
    steps = parse_steps(result.output, labels)
    job = JobRun(mode, steps, setup_seconds(steps), wall)
    log(f"{mode} run {number + 1}: setup {job.setup:.1f} s, whole job {wall:.1f} s")
    return job


def du_mib(path: Path) -> float:
    """Size of a directory tree in MiB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def step_rows(cold: list[JobRun], warm: list[JobRun]) -> list[list[str]]:
    """Each step's median seconds, cold and warm, in the cold run's order."""
    names = list(dict.fromkeys(name for run in [*cold, *warm] for name, _ in run.steps))

    def cell(runs: list[JobRun], name: str) -> str:
        values = [d for run in runs for n, d in run.steps if n == name]
        return seconds(median(values)) if values else "-"

    return [[f"`{name}`", cell(cold, name), cell(warm, name)] for name in names]


def render(cold: list[JobRun], warm: list[JobRun], load: tuple[float, float], uv_mib: float) -> str:
    """The markdown section, without its markers."""
    commit = git_output("rev-parse", "--short", "HEAD")
    busy = " (measured while other work ran)" if load[0] > BUSY_LOAD else ""
    runs = len(cold)
    summary = [
        ["setup: checkout through `make setup`"]
        + [f"**{seconds(median(r.setup for r in rs))}**" for rs in (cold, warm)],
        ["whole job (act's wall time)"]
        + [seconds(median(r.wall for r in rs)) for rs in (cold, warm)],
    ]
    return "\n".join(
        [
            "## PR loop setup under act (`bench/act_setup.py`)",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d} at commit `{commit}` by "
            f"`bench/act_setup.py` (`make bench-act`), {runs} cold and {runs} warm run(s), "
            "median. The `report` job of `.github/workflows/pr-report.yml` on PR #7 of the "
            "workflow tests' loop (`tests/workflows/pr_loop.py`: HEAD reproduced, a PR that "
            "changes the learning rate), run offline by act 0.2.89 on the host with the "
            f"stand-ins of `tests/workflows/`. {os.cpu_count()} cores; load average "
            f"{load[0]:.1f} at the start and {load[1]:.1f} at the end{busy}.",
            "",
            markdown_table(["", "cold", "warm"], summary),
            "",
            "- **cold**: an empty store for the actions/cache stand-in (both cache steps miss; "
            "their post steps save `.venv` and `.dvc/cache`) and an empty `UV_CACHE_DIR`, so "
            "`make setup` downloads every wheel from PyPI, installs and compiles the bytecode; "
            "`make run` reproduces every stage.",
            "- **warm**: the store and the uv cache that the cold run filled "
            f"({uv_mib:.0f} MiB, not pruned): both cache steps hit their exact key "
            "(`cache-hit=true`), `.venv` is in place before `make setup`, whose `uv sync` "
            "(it runs: the checkout's `uv.lock` is newer than the restored stamp) installs "
            "nothing; `make run` restores the stages from DVC's run-cache. setup-uv's own "
            "cache is not emulated (its stand-in ignores `enable-cache`): the uv cache is "
            "passed as `UV_CACHE_DIR`, fresh for cold and kept for warm.",
            "- Setup time is the sum of act's step durations, checkout through `make setup`; "
            "the whole job also counts act's start, the workspace copy (`Set up job`, which act "
            "prints without a duration), the post steps (the cold run's cache saves) and the "
            "clean-up.",
            "- Not timed: on GitHub a warm cache is first downloaded from GitHub's cache service "
            "(for `.venv` a 189 MiB zstd archive) before it is extracted; here the store is a "
            "local directory, so only the extraction (tar and zstd, as `@actions/cache`) and "
            "the stand-in's relocation of the venv's paths into act's random workspace count.",
            "",
            markdown_table(["step", "cold", "warm"], step_rows(cold, warm)),
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="cold/warm pairs (median)")
    parser.add_argument("--write", type=Path, help="replace this section of a markdown file")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Build the loop, run the cold/warm pairs, print the section, optionally write it."""
    args = parse_args(argv)
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    labels = step_labels(ROOT / REPORT_WORKFLOW)
    with tempfile.TemporaryDirectory(prefix="tabml-bench-act-") as tmp:
        scratch = Path(tmp)
        log("reproducing HEAD and building the PR loop (main and PR #7's pushes)")
        reproduced = reproduced_head(scratch)
        with track("[bench] building the PR loop (dvc repro on two pushes)"):
            loop = build_loop(reproduced, scratch / "loop")
        cold: list[JobRun] = []
        warm: list[JobRun] = []
        for number in range(args.runs):
            cold.append(run_job(loop, scratch, "cold", number, labels))
            warm.append(run_job(loop, scratch, "warm", number, labels))
        uv_mib = du_mib(scratch / "pair-0" / "uv-cache")
    body = render(cold, warm, (load_before, os.getloadavg()[0]), uv_mib)
    print(body)
    if args.write is not None:
        write_section(args.write, body, START, END)
        log(f"wrote the act section of {args.write}")
    log(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
