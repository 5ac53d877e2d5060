"""Run a sweep on this machine with DVC's queue, then tabulate it (thin wiring around `dvc`)."""

from __future__ import annotations

import io
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tabml import paths
from tabml.config import Params
from tabml.errors import TabmlError
from tabml.platform import git, tools
from tabml.progress import Progress, track
from tabml.sweep.expshow import PENDING, ExpRun, ExpShow, parse_exp_show, queue_states
from tabml.sweep.spec import Sweep
from tabml.sweep.table import Result, read_predictions, render, score

Log = Callable[[str], None]


def dvc(*args: str, cwd: Path = Path()) -> str:
    """Run this environment's `dvc`; a failure becomes one sentence with DVC's last error line."""
    done = tools.run(tools.dvc_command(*args), cwd, env=tools.tool_env())
    stdout = done.stdout.decode(errors="replace")
    if done.returncode != 0:
        text = done.stderr.decode(errors="replace") + stdout
        lines = [line for line in text.splitlines() if line.strip()]
        raise TabmlError(f"dvc {' '.join(args[:2])}: {lines[-1] if lines else 'failed'}")
    return stdout


def experiment_names(sweep: Sweep, token: str | None = None) -> list[str]:
    """One new experiment name per candidate: `<sweep>-<random token>-<index>`."""
    stem = Path(sweep.source).stem if sweep.source.endswith((".yaml", ".yml")) else "grid"
    token = token or secrets.token_hex(3)
    return [f"{stem}-{token}-{c.index}" for c in sweep.candidates]


def queue(sweep: Sweep, names: list[str], cwd: Path = Path()) -> None:
    """`dvc exp run --queue --name <name> -S key=value ...` for each candidate."""
    for candidate, name in zip(sweep.candidates, names, strict=True):
        sets = [arg for override in candidate.overrides() for arg in ("-S", override)]
        dvc("exp", "run", "--queue", "--name", name, *sets, cwd=cwd)


def wait(names: list[str], timeout: float, cwd: Path = Path(), poll: float = 2.0) -> None:
    """Block until none of `names` is queued or running in `dvc queue status`.

    On stderr: how many candidates have finished, and a line as each one changes state."""
    deadline = time.monotonic() + timeout
    seen: dict[str, str] = {}
    with track("sweep", len(names), "candidates finished") as shown:
        while True:
            states = queue_states(dvc("queue", "status", cwd=cwd))
            _show_states(names, states, seen, shown)
            pending = [name for name in names if states.get(name) in PENDING]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TabmlError(
                    f"sweep: {len(pending)} experiments still queued or running after "
                    f"{timeout:.0f} s (see `dvc queue status`)"
                )
            time.sleep(poll)


def _show_states(
    names: list[str], states: dict[str, str], seen: dict[str, str], shown: Progress
) -> None:
    """One line per candidate whose state changed; the count of finished ones and the rest."""
    for number, name in enumerate(names, 1):
        state = states.get(name)
        if state is not None and seen.get(name) != state:
            shown.event(f"candidate {number} of {len(names)} ({name}): {state}")
            seen[name] = state
    finished = sum(1 for name in names if name in states and states[name] not in PENDING)
    running = sum(1 for name in names if states.get(name) == "running")
    shown.update(finished, status=f"{running} running")


def exp_show(cwd: Path = Path(), attempts: int = 5) -> ExpShow:
    """`dvc exp show --json`, parsed; retried briefly while finished workers clean up."""
    for attempt in range(attempts):
        try:
            return parse_exp_show(json.loads(dvc("exp", "show", "--json", cwd=cwd)))
        except TabmlError:
            if attempt == attempts - 1:
                raise
            time.sleep(2.0)
    raise AssertionError("unreachable")


def committed_predictions(rev: str, cwd: Path = Path()) -> pd.DataFrame | None:
    """reports/predictions.csv as committed at `rev` (experiment commits carry it too)."""
    data = git.show(rev, paths.PREDICTIONS.as_posix(), cwd=cwd)
    return None if data is None else read_predictions(io.BytesIO(data))


def _result(run: ExpRun, keys: list[str], cwd: Path) -> Result:
    ok = run.state == "success"
    return Result(
        name=run.name,
        params={k: run.params[k] for k in keys if k in run.params},
        metrics=run.metrics if ok else {},
        predictions=committed_predictions(run.rev, cwd) if ok else None,
        status=run.state,
        error=run.error,
    )


def varying_keys(show: ExpShow) -> list[str]:
    """Params keys whose value differs from the baseline in at least one experiment."""
    keys: dict[str, None] = {}
    for run in show.experiments:
        for key, value in run.params.items():
            if show.baseline.params.get(key) != value:
                keys[key] = None
    return list(keys)


def tabulate(
    show: ExpShow,
    params: Params,
    keys: list[str],
    names: list[str] | None,
    *,
    cwd: Path = Path(),
    source: str = "dvc exp show",
) -> str:
    """The markdown table of the named experiments (all of HEAD's when None) against HEAD."""
    found = {run.name: run for run in show.experiments}
    results: list[Result] = []
    for name in names if names is not None else list(found):
        if name in found:
            results.append(_result(found[name], keys, cwd))
        else:
            results.append(Result(name, {}, {}, status="missing", error="not in dvc exp show"))
    head = show.baseline
    baseline = Result(
        f"HEAD ({head.rev[:7]})",
        {k: head.params[k] for k in keys if k in head.params},
        head.metrics,
        committed_predictions(head.rev, cwd),
        baseline=True,
    )
    rows = score(baseline, results, params.report, params.data.task)
    note = f"Baseline: HEAD `{head.rev[:7]}` and its committed predictions."
    return render(
        rows,
        keys,
        params.report,
        title=f"Sweep: {len(results)} experiments from {source}",
        baseline_note=note,
    )


def run_sweep(
    sweep: Sweep, params: Params, jobs: int, *, timeout: float, log: Log, cwd: Path = Path()
) -> str:
    """Queue every candidate, run the queue with `jobs` workers, wait, return the table."""
    names = experiment_names(sweep)
    labels = sweep.labels()
    for name, label in zip(names, labels, strict=True):
        log(f"sweep: queueing {name}: {label}")
    queue(sweep, names, cwd)
    dvc("queue", "start", "--jobs", str(jobs), cwd=cwd)
    log(f"sweep: running {len(names)} experiments, {jobs} at a time (dvc queue status)")
    wait(names, timeout, cwd)
    return tabulate(exp_show(cwd), params, sweep.keys, names, cwd=cwd, source=sweep.source)
