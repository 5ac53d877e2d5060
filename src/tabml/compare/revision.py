"""One side of a comparison: a revision's outputs, params, lock state and input tables.

The base's numbers come from the base commit itself: its committed outputs when they and its
`dvc.lock` match its code, params and data; else it is reproduced in a git worktree
(compare/base.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd
import yaml

from tabml import paths
from tabml.compare.predictions import read_predictions
from tabml.errors import TabmlError
from tabml.metrics import TASKS, Task
from tabml.platform import git, tools

# Outputs that `dvc status` reports as missing only because the DVC cache is empty.
_ABSENT = frozenset({"deleted", "not in cache"})


@dataclass(frozen=True)
class LockStatus:
    """Whether `dvc.lock` matches the code, params and data it was committed with."""

    fresh: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outputs:
    """The evaluate stage's outputs that a report compares."""

    metrics: dict[str, Any]
    slices: dict[str, Any]
    predictions: pd.DataFrame
    roc: pd.DataFrame | None = None  # binary only
    precision_recall: pd.DataFrame | None = None


@dataclass(frozen=True)
class TableStats:
    """Rows and columns of an input table, when it is a readable CSV."""

    rows: int
    columns: int


@dataclass(frozen=True)
class Revision:
    """Everything a report needs from one revision."""

    label: str
    sha: str
    source: str
    outputs: Outputs
    params: dict[str, Any]
    lock: dict[str, Any]
    lock_status: LockStatus
    inputs: dict[str, TableStats | None]

    @property
    def task(self) -> Task:
        """The revision's `data.task`."""
        return task_of(self.params)


def _dvc_env(checkout: Path) -> dict[str, str]:
    """Run DVC and the stage commands with this environment's tools but the checkout's code.

    `PYTHONPATH` puts the checkout's `src/` ahead of the installed (editable) package, so a
    base reproduced in a worktree runs the base's code, with the PR's dependencies.
    """
    return tools.tool_env(PYTHONPATH=str((checkout / "src").resolve()))


def dvc(*args: str, cwd: Path) -> str:
    """Run a dvc command in `cwd`; a failure becomes one sentence with DVC's last line."""
    result = tools.run(tools.dvc_command(*args), cwd, env=_dvc_env(cwd))
    stdout = result.stdout.decode(errors="replace")
    if result.returncode != 0:
        text = result.stderr.decode(errors="replace") + stdout
        lines = text.strip().splitlines() or ["failed"]
        raise TabmlError(f"dvc {' '.join(args)} in {cwd.name}: {lines[-1]}")
    return stdout


def stage_outs(lock: dict[str, Any]) -> set[str]:
    """Every path that some stage of a lock file produces."""
    return {
        out["path"] for stage in lock.get("stages", {}).values() for out in stage.get("outs", [])
    }


def lock_status(status: dict[str, Any], lock: dict[str, Any]) -> LockStatus:
    """Interpret `dvc status --json` of a clean checkout (empty DVC cache) of one commit.

    Missing cached outputs are expected there; anything else means the committed `dvc.lock`
    does not describe the committed code, params, data or outputs.
    """
    produced = stage_outs(lock)
    reasons: list[str] = []
    for stage, entries in status.items():
        for entry in entries:
            if isinstance(entry, str):
                reasons.append(f"{stage}: {entry}")
                continue
            for kind, changes in entry.items():
                if not isinstance(changes, dict):
                    reasons.append(f"{stage}: {kind}")
                    continue
                for path, change in changes.items():
                    if isinstance(change, dict):
                        keys = ", ".join(sorted(change))
                        reasons.append(f"{stage}: params changed ({keys})")
                    elif change in _ABSENT and (kind == "changed outs" or path in produced):
                        continue
                    else:
                        reasons.append(f"{stage}: {path} {change}")
    return LockStatus(fresh=not reasons, reasons=reasons)


def checkout_status(checkout: Path) -> LockStatus:
    """The lock status of a fresh checkout (a worktree) of one commit."""
    lock_file = checkout / "dvc.lock"
    if not lock_file.exists():
        return LockStatus(fresh=False, reasons=["dvc.lock is missing"])
    lock = yaml.safe_load(lock_file.read_text()) or {}
    return lock_status(json.loads(dvc("status", "--json", cwd=checkout) or "{}"), lock)


def task_of(params: dict[str, Any]) -> Task:
    """The `data.task` of a revision's params.yaml (binary when left out, as in `Params`)."""
    data = params.get("data") if isinstance(params, dict) else None
    task = data.get("task", "binary") if isinstance(data, dict) else "binary"
    if task not in TASKS:
        raise TabmlError(f"{paths.PARAMS}: data.task {task!r} is not one of {', '.join(TASKS)}")
    return cast(Task, task)


def _curves(task: Task) -> list[Path]:
    """The curve files a report reads: ROC and precision-recall, for a binary task only."""
    return [paths.ROC, paths.PRECISION_RECALL] if task == "binary" else []


def committed_outputs_missing(checkout: Path) -> list[str]:
    """Git-tracked outputs (metrics, predictions...) that the commit lacks."""
    file = checkout / paths.PARAMS
    params = (yaml.safe_load(file.read_text()) or {}) if file.is_file() else {}
    wanted = [paths.METRICS, paths.SLICES, paths.PREDICTIONS, *_curves(task_of(params))]
    return [str(path) for path in wanted if not (checkout / path).exists()]


def read_outputs(root: Path, task: Task = "binary") -> Outputs:
    """Read the compared outputs from a checkout or workspace."""
    try:
        metrics = json.loads((root / paths.METRICS).read_text())
        slices = json.loads((root / paths.SLICES).read_text())
        predictions = read_predictions(root / paths.PREDICTIONS, task)
        curves = [pd.read_csv(root / path) for path in _curves(task)]
        return Outputs(
            metrics=metrics,
            slices=slices,
            predictions=predictions,
            roc=curves[0] if curves else None,
            precision_recall=curves[1] if curves else None,
        )
    except FileNotFoundError as missing:
        raise TabmlError(f"{missing.filename}: file not found; run `dvc repro` first") from None


def table_stats(path: Path) -> TableStats | None:
    """Rows and columns of a CSV file (None when it is absent, e.g. DVC-tracked, not pulled)."""
    if not path.is_file() or path.suffix.lower() != ".csv":
        return None
    with path.open("rb") as handle:
        header = handle.readline()
        rows = sum(1 for line in handle if line.strip())
    return TableStats(rows=rows, columns=len(header.decode(errors="replace").split(",")))


def input_paths(lock: dict[str, Any]) -> list[str]:
    """Data inputs of the pipeline: deps that no stage produces and that are not code."""
    produced = stage_outs(lock)
    found: list[str] = []
    for stage in lock.get("stages", {}).values():
        for dep in stage.get("deps", []):
            path = dep["path"]
            if path not in produced and not path.startswith("src/") and path not in found:
                found.append(path)
    return found


def load_revision(root: Path, label: str, sha: str, source: str, status: LockStatus) -> Revision:
    """Read a revision whose outputs are in `root` (a workspace or a worktree)."""
    lock = yaml.safe_load((root / "dvc.lock").read_text()) or {}
    params = yaml.safe_load((root / paths.PARAMS).read_text()) or {}
    return Revision(
        label=label,
        sha=sha,
        source=source,
        outputs=read_outputs(root, task_of(params)),
        params=params,
        lock=lock,
        lock_status=status,
        inputs={path: table_stats(root / path) for path in input_paths(lock)},
    )


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys; lists and scalars are leaves."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _entries(stage: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind == "params":
        return {
            k: v for values in stage.get("params", {}).values() for k, v in flatten(values).items()
        }
    return {item["path"]: item.get("md5") for item in stage.get(kind, [])}


def lock_diff(committed: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """How a reproduced lock differs from the committed one, stage by stage."""
    old, new = committed.get("stages", {}), current.get("stages", {})
    reasons = []
    for name in dict.fromkeys([*new, *old]):
        if name not in old or name not in new:
            reasons.append(f"{name}: stage {'added' if name not in old else 'removed'}")
            continue
        for kind in ("cmd", "deps", "params", "outs"):
            if kind == "cmd":
                if old[name].get("cmd") != new[name].get("cmd"):
                    reasons.append(f"{name}: command changed")
                continue
            before, after = _entries(old[name], kind), _entries(new[name], kind)
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            if changed:
                reasons.append(f"{name}: {kind} changed ({', '.join(changed)})")
    return reasons


def head_status(workspace: Path) -> LockStatus:
    """Whether HEAD's committed dvc.lock matches what the reproduced workspace produced.

    The workspace must be reproduced first (`dvc repro`); otherwise this raises.
    """
    pending = json.loads(dvc("status", "--json", cwd=workspace) or "{}")
    if pending:
        stage = next(iter(pending))
        raise TabmlError(
            f"dvc.yaml: stage '{stage}' is not reproduced in this workspace; run `make run` "
            "(dvc repro) before the report"
        )
    committed = git.show("HEAD", "dvc.lock", cwd=workspace)
    if committed is None:
        return LockStatus(fresh=False, reasons=["dvc.lock is not committed"])
    current = yaml.safe_load((workspace / "dvc.lock").read_text()) or {}
    reasons = lock_diff(yaml.safe_load(committed) or {}, current)
    return LockStatus(fresh=not reasons, reasons=reasons)
