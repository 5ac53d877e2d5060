"""The sweep across machines: a GitHub Actions matrix, one experiment per job, one final table.

`matrix` expands the sweep for `strategy.matrix`; `run_one` runs candidate `index` in the
workspace with `dvc exp run -S ...` and gathers its params, metrics and predictions in a folder
(uploaded as the artifact `sweep-candidate-<index>`); `aggregate` reads every such folder and
ranks them against the committed predictions of a base branch. A candidate whose job failed has
no artifact, or one whose candidate.json says `failed`: it is listed, not lost.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tabml import io as tio
from tabml import paths
from tabml.compare.revision import flatten
from tabml.config import Params
from tabml.errors import TabmlError
from tabml.platform import git, tools
from tabml.sweep.spec import Candidate, Sweep
from tabml.sweep.table import SUCCESS, Result, read_predictions, render, score

ARTIFACT_PREFIX = "sweep-candidate-"
CANDIDATE_FILE = "candidate.json"
OUTPUTS = (paths.PARAMS, paths.METRICS, paths.PREDICTIONS)


def matrix(sweep: Sweep) -> dict[str, Any]:
    """`strategy.matrix` for the sweep: one `include` entry (index, label) per candidate."""
    return {
        "include": [
            {"index": c.index, "label": label}
            for c, label in zip(sweep.candidates, sweep.labels(), strict=True)
        ]
    }


def matrix_json(sweep: Sweep) -> str:
    """The matrix as compact JSON on one line, as a step output feeds `fromJSON`."""
    return json.dumps(matrix(sweep), separators=(",", ":"))


def _candidate(sweep: Sweep, index: int) -> Candidate:
    if not 0 <= index < len(sweep.candidates):
        raise TabmlError(
            f"{sweep.source}: no candidate {index} (it has {len(sweep.candidates)}, from 0)"
        )
    return sweep.candidates[index]


def _write_status(out_dir: Path, candidate: Candidate, status: str, error: str | None) -> None:
    tio.write_json(
        out_dir / CANDIDATE_FILE,
        {"index": candidate.index, "params": candidate.params, "status": status, "error": error},
    )


def run_one(sweep: Sweep, index: int, out_dir: Path, cwd: Path = Path()) -> Path:
    """Run one candidate in the workspace (`dvc exp run -S ...`); collect its outputs.

    candidate.json says `failed` until the run succeeded, so an upload after a failure still
    tells the aggregation what happened.
    """
    candidate = _candidate(sweep, index)
    _write_status(out_dir, candidate, "failed", "the experiment did not finish")
    sets = [arg for override in candidate.overrides() for arg in ("-S", override)]
    done = tools.run(
        tools.dvc_command("exp", "run", *sets), cwd, env=tools.tool_env(), capture=False
    )
    if done.returncode != 0:
        error = f"dvc exp run exited {done.returncode}"
        _write_status(out_dir, candidate, "failed", error)
        raise TabmlError(f"candidate {index} ({' '.join(candidate.overrides())}): {error}")
    for output in OUTPUTS:
        shutil.copyfile(cwd / output, out_dir / output.name)
    _write_status(out_dir, candidate, SUCCESS, None)
    return out_dir


def _label(candidate: Candidate) -> str:
    return f"candidate {candidate.index}"


def read_result(folder: Path, candidate: Candidate) -> Result:
    """One downloaded artifact as a result; a missing or failed one as a failed result."""
    name, params = _label(candidate), candidate.params
    if not (folder / CANDIDATE_FILE).is_file():
        return Result(name, params, {}, status="failed", error="no artifact (the job failed early)")
    info = tio.read_json(folder / CANDIDATE_FILE)
    if info.get("status") != SUCCESS:
        return Result(name, params, {}, status="failed", error=info.get("error"))
    if info.get("params") != json.loads(json.dumps(params)):
        raise TabmlError(
            f"{folder / CANDIDATE_FILE}: params differ from candidate {candidate.index}"
        )
    try:
        metrics = tio.read_json(folder / paths.METRICS.name)
        predictions = read_predictions(folder / paths.PREDICTIONS.name)
    except (TabmlError, FileNotFoundError, pd.errors.ParserError) as exc:
        return Result(name, params, {}, status="failed", error=f"unreadable artifact: {exc}")
    numbers = {k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}
    return Result(name, params, numbers, predictions)


def resolve_base(base: str, cwd: Path = Path()) -> str:
    """The commit of `origin/<base>` (a CI checkout), else of `<base>` itself."""
    for rev in (f"origin/{base}", base):
        try:
            return git.rev_parse(rev, cwd=cwd)
        except TabmlError:
            continue
    raise TabmlError(
        f"base branch '{base}' not found; fetch it (actions/checkout needs fetch-depth: 0)"
    )


def baseline_result(base: str, sha: str, keys: list[str], cwd: Path = Path()) -> Result:
    """The base commit's committed params, metrics and predictions."""
    name = f"{base} ({sha[:7]})"
    raw_params = git.show(sha, paths.PARAMS.as_posix(), cwd=cwd)
    flat = flatten(yaml.safe_load(raw_params) or {}) if raw_params else {}
    params = {k: flat[k] for k in keys if k in flat}
    raw_metrics = git.show(sha, paths.METRICS.as_posix(), cwd=cwd)
    raw_predictions = git.show(sha, paths.PREDICTIONS.as_posix(), cwd=cwd)
    if raw_metrics is None or raw_predictions is None:
        return Result(
            name, params, {}, status="missing", error="no committed reports", baseline=True
        )
    metrics = {
        k: float(v) for k, v in json.loads(raw_metrics).items() if isinstance(v, int | float)
    }
    predictions = read_predictions(io.BytesIO(raw_predictions))
    return Result(name, params, metrics, predictions, baseline=True)


def aggregate(
    sweep: Sweep, results_dir: Path, params: Params, base: str, cwd: Path = Path()
) -> tuple[str, int]:
    """The ranked markdown table of every candidate's artifact, and how many succeeded."""
    sha = resolve_base(base, cwd)
    results = [
        read_result(results_dir / f"{ARTIFACT_PREFIX}{c.index}", c) for c in sweep.candidates
    ]
    baseline = baseline_result(base, sha, sweep.keys, cwd)
    rows = score(baseline, results, params.report, params.data.task)
    note = f"Baseline: `{base}` at `{sha[:7]}` and its committed predictions."
    title = f"Sweep: {len(results)} candidates from {sweep.source}"
    table = render(rows, sweep.keys, params.report, title=title, baseline_note=note)
    return table, sum(r.status == SUCCESS for r in results)
