"""What `tabml adopt` decides from a table alone: the task, the positive label, id-like columns,
the contract, and which params keys name metrics of another task.

Pure functions of a frame and parsed params: `scaffold.adopt` reads and writes the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tabml import metrics as registry
from tabml.config import LINEAR_MODEL
from tabml.contract import ColumnSpec, Contract, infer_contract
from tabml.errors import TabmlError, count, shown

MAX_CLASSES = 50  # a target with more distinct values is a number to predict, not classes
_ID_NAME = re.compile(r"(^|[^A-Za-z])(?i:id|uuid|key)$|[a-z](Id|ID)$")


@dataclass(frozen=True)
class Guess:
    """The task and, for classification, the class list; `reason` says why, for the user."""

    task: registry.Task
    classes: tuple[str, ...]
    positive_label: str | None
    reason: str


def _numbers(labels: pd.Series) -> pd.Series | None:
    """The target as numbers when every value is one (it was read as text), else None."""
    numbers = pd.to_numeric(labels, errors="coerce")
    return None if numbers.isna().any() else numbers


def _guess(counts: pd.Series, numbers: pd.Series | None, column: str) -> registry.Task:
    """The task a target's values suggest (see `guess_task`)."""
    distinct = len(counts)
    if distinct == 2:
        return "binary"
    if numbers is not None and (bool((numbers % 1 != 0).any()) or distinct > MAX_CLASSES):
        return "regression"
    if distinct <= MAX_CLASSES:
        return "multiclass"
    raise TabmlError(
        f"{column} (the target) has {distinct} distinct text values, too many to guess a task; "
        "pass TASK=multiclass if each is a class"
    )


def _check(task: str, counts: pd.Series, numbers: pd.Series | None, column: str) -> None:
    """Refuse a task the target's values cannot have, in one sentence."""
    if task not in registry.TASKS:
        raise TabmlError(f"TASK {shown(task)} is not one of {', '.join(registry.TASKS)}")
    distinct = len(counts)
    if task == "regression" and numbers is None:
        raise TabmlError(f"{column} (the target) is not numeric, so it cannot be regression")
    if task == "binary" and distinct != 2:
        raise TabmlError(f"{column} (the target) has {distinct} values; binary needs exactly 2")
    if task == "multiclass" and distinct == 2:
        raise TabmlError(f"{column} (the target) has 2 values; use TASK=binary")
    rare = counts[counts < 2]
    if task != "regression" and len(rare):
        raise TabmlError(
            f"{column} (the target) has only 1 row of class {shown(rare.index[0])}; the "
            "stratified split needs at least 2 of each class"
        )


def guess_task(labels: pd.Series, name: str, source: str, task: str | None = None) -> Guess:
    """Guess the task from the target's values (text as read from the CSV), or check `task`.

    2 values: binary, the minority class positive (the rarer outcome is usually the one to
    detect; a tie takes the last in sorted order, e.g. "1" or "yes"). Numbers with fractions or
    more than MAX_CLASSES values: regression. 3 to MAX_CLASSES values: multiclass.
    """
    column = f"{source}: column {shown(name)}"
    missing = int(labels.isna().sum())
    if missing:
        raise TabmlError(
            f"{column} (the target) has {count(missing, 'missing value', 'missing values')}; "
            "every row needs one"
        )
    counts = labels.astype(str).value_counts()
    if len(counts) < 2:
        raise TabmlError(f"{column} (the target) has only one value, {shown(labels.iloc[0])}")
    numbers = _numbers(labels)
    reason = "as asked;" if task is not None else "guessed from"
    chosen = _guess(counts, numbers, column) if task is None else task
    _check(chosen, counts, numbers, column)
    if chosen == "regression":
        return Guess("regression", (), None, f"{reason} {len(counts)} distinct numeric values")
    classes = tuple(sorted(counts.index))
    if chosen == "multiclass":
        return Guess("multiclass", classes, None, f"{reason} {len(counts)} classes")
    rarest = counts[counts == counts.min()]
    positive = sorted(rarest.index)[-1]
    if len(rarest) == 2:
        why = f"positive label {positive!r} (a tie: the last in sorted order)"
    else:
        share = counts[positive] / len(labels)
        why = f"positive label {positive!r}, the minority class ({share:.0%} of rows)"
    return Guess("binary", classes, positive, f"{reason} 2 values; {why}")


def id_like(frame: pd.DataFrame, target: str) -> list[str]:
    """Columns named like an identifier (`id`, `customer_id`, `userId`, `uuid`, `key`) that hold
    a different, present value in every row: row labels, never features."""
    found = []
    for name in frame.columns:
        series = frame[name]
        if name == target or not _ID_NAME.search(str(name)):
            continue
        kind_ok = pd.api.types.is_integer_dtype(series) or not pd.api.types.is_numeric_dtype(series)
        if kind_ok and series.notna().all() and series.is_unique:
            found.append(str(name))
    return found


def table_contract(frame: pd.DataFrame, target: str, guess: Guess) -> Contract:
    """The inferred contract (ranges with their margin), the target declared by the task: a
    category with every class for classification, a number for regression."""
    features = frame.drop(columns=[target])
    inferred = infer_contract(features)
    if guess.task == "regression":
        numbers = pd.to_numeric(frame[target]).to_frame(target)
        target_spec = infer_contract(numbers).columns[target]
    else:
        target_spec = ColumnSpec(type="category", categories=list(guess.classes))
    columns = {
        name: target_spec if name == target else inferred.columns[str(name)]
        for name in map(str, frame.columns)
    }
    return Contract(columns=columns)


def task_resets(raw: dict[str, Any], task: registry.Task) -> dict[str, object]:
    """Keys of params.yaml to reset for `task`: metric names of another task go back to the
    task's defaults, gate floors to none (data-agnostic), a model that cannot fit the task to
    gradient boosting. Keys the file leaves out already follow the task."""

    def section(*path: str) -> dict[str, Any]:
        node: Any = raw
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}

    def foreign(value: object) -> bool:
        names = (
            [value]
            if isinstance(value, str)
            else list(value or ())
            if isinstance(value, list | dict)
            else []
        )
        return any(name not in registry.names(task) for name in names)

    defaults = registry.TASK_DEFAULTS[task]
    report, gate, monitor = section("report"), section("report", "gate"), section("monitor")
    resets: dict[str, object] = {}
    candidates: tuple[tuple[dict[str, Any], str, str, object], ...] = (
        (report, "headline", "report.headline", defaults.headline),
        (report, "metrics", "report.metrics", list(registry.names(task))),
        (gate, "beat_baseline", "report.gate.beat_baseline", None),
        (gate, "max_regression", "report.gate.max_regression", None),
        (gate, "max_slice_regression", "report.gate.max_slice_regression", {}),
        (monitor, "performance_drop", "monitor.performance_drop", defaults.performance_drop),
    )
    for where, key, dotted, default in candidates:
        if key in where and foreign(where[key]):
            resets[dotted] = default
    if "floors" in gate or "gate" in report:
        resets["report.gate.floors"] = {}
    model = section("train").get("model")
    if model is not None and model not in ("hist_gradient_boosting", LINEAR_MODEL[task]):
        resets["train.model"] = "hist_gradient_boosting"
    return resets
