"""Pure parsers of DVC's experiment listings: `dvc exp show --json` and `dvc queue status`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tabml import paths
from tabml.compare.revision import flatten
from tabml.errors import TabmlError

METRICS_FILE = paths.METRICS.as_posix()  # as `dvc exp show --json` keys it
PARAMS_FILE = paths.PARAMS.as_posix()
PENDING = frozenset({"queued", "running"})


@dataclass(frozen=True)
class ExpRun:
    """One commit in `dvc exp show`: the baseline or an experiment on top of it."""

    name: str
    rev: str
    state: str  # success | failed | queued | running
    params: dict[str, Any]  # params.yaml, as dotted keys
    metrics: dict[str, float]  # reports/metrics.json
    error: str | None = None


@dataclass(frozen=True)
class ExpShow:
    """The baseline (HEAD) and its experiments."""

    baseline: ExpRun
    experiments: list[ExpRun]


def _run(entry: dict[str, Any], name: str | None, state: str) -> ExpRun:
    data = entry.get("data") or {}
    params = ((data.get("params") or {}).get(PARAMS_FILE) or {}).get("data") or {}
    metrics = ((data.get("metrics") or {}).get(METRICS_FILE) or {}).get("data") or {}
    error = entry.get("error")
    message = error.get("msg") if isinstance(error, dict) else None
    return ExpRun(
        name=name or entry.get("name") or str(entry.get("rev", ""))[:7],
        rev=str(entry.get("rev", "")),
        state="failed" if message and state == "success" else state,
        params=flatten(params),
        metrics={k: float(v) for k, v in metrics.items() if isinstance(v, int | float)},
        error=message,
    )


def parse_exp_show(payload: Any) -> ExpShow:
    """The HEAD baseline and its experiments from `dvc exp show --json` (DVC 3.x layout).

    The list holds the workspace first, then each baseline commit with `experiments`: groups
    with an `executor` (its `state`, or none for a run in the workspace) and `revs`.
    """
    if not isinstance(payload, list):
        raise TabmlError("dvc exp show --json: expected a list of revisions")
    commits = [
        entry for entry in payload if isinstance(entry, dict) and entry.get("rev") != "workspace"
    ]
    if not commits:
        raise TabmlError("dvc exp show --json: no baseline commit (is HEAD committed?)")
    head = commits[0]
    experiments: list[ExpRun] = []
    for group in head.get("experiments") or []:
        executor = group.get("executor") or {}
        state = str(executor.get("state") or "success")
        revs = group.get("revs") or []
        if revs:
            experiments.append(_run(revs[-1], group.get("name"), state))
    return ExpShow(_run(head, head.get("name"), "success"), experiments)


def queue_states(status: str) -> dict[str, str]:
    """Experiment name -> lower-case state from `dvc queue status` (a text table)."""
    states: dict[str, str] = {}
    lines = [line.split() for line in status.splitlines() if line.strip()]
    if not lines or lines[0][:2] != ["Task", "Name"]:
        return states  # "No experiment tasks in the queue."
    for parts in lines[1:]:
        if len(parts) >= 3 and parts[0] != "Worker":
            states[parts[1]] = parts[-1].lower()
    return states
