"""The current data to monitor: an incoming batch or the serving app's request log.

A batch is a table in the raw format (read with the contract's dtypes); the request log is a frame
of the model inputs with the output the server returned. Both are checked
against the contract; a violation is reported, and the data is then coerced as well as it can be
so that drift is still measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tabml.contract import ColumnSpec, Contract, validate
from tabml.errors import TabmlError
from tabml.monitor.stats import Floats

# Fields of a request log (tabml.serve.logs) that are not model inputs. Its `label` is the label
# the server predicted at its threshold, not the truth, so it never counts as a label here.
LOG_SCORE = "score"
LOG_PREDICTED = "predicted"  # multiclass (the class name) and regression outputs
PREFIX = f"{LOG_SCORE}:"  # multiclass: one `score:<class>` column per class
LOG_METADATA = ("timestamp", "request_id", "index", "model_version", "label")


@dataclass(frozen=True)
class Current:
    """The data to compare with the reference."""

    frame: pd.DataFrame
    source: str
    kind: Literal["batch", "log"]
    scores: Floats | None = None
    labels: pd.Series | None = None
    predicted: pd.Series | None = None  # a multiclass request log's predicted class names
    probabilities: pd.DataFrame | None = None  # ... and its `score:<class>` columns


def from_batch(frame: pd.DataFrame, source: str, target: str) -> Current:
    """A raw-format batch; its target column, when present, holds the labels."""
    labels = frame[target] if target in frame.columns else None
    return Current(frame=frame, source=source, kind="batch", labels=labels)


def from_request_log(log: pd.DataFrame, source: str, target: str, task: str = "binary") -> Current:
    """The request log as read by `tabml.serve.logs.read_request_log`: inputs and the outputs
    in the columns of reports/predictions.csv (binary `score`; multiclass `predicted`, the class
    name, and `score:<class>`; regression `predicted`).

    The log holds no ground truth; labels come only from a target column among the inputs.
    """
    field = LOG_SCORE if task == "binary" else LOG_PREDICTED
    if field not in log.columns:
        raise TabmlError(f"{source}: the request log has no '{field}' field")
    scores: Floats | None = None
    predicted: pd.Series | None = None
    if task == "multiclass":
        if log[field].isna().any():
            raise TabmlError(f"{source}: {int(log[field].isna().sum())} log records have no class")
        predicted = log[field].reset_index(drop=True)
    else:
        values = pd.to_numeric(log[field], errors="coerce")
        if values.isna().any():
            raise TabmlError(
                f"{source}: {int(values.isna().sum())} log records have no numeric '{field}'"
            )
        scores = values.to_numpy(dtype=float)
    outputs = [c for c in log.columns if c in (LOG_SCORE, LOG_PREDICTED) or c.startswith(PREFIX)]
    inputs = log.drop(columns=[*outputs, *LOG_METADATA], errors="ignore").reset_index(drop=True)
    probabilities = log[[c for c in outputs if c.startswith(PREFIX)]].reset_index(drop=True)
    return Current(
        frame=inputs,
        source=source,
        kind="log",
        scores=scores,
        labels=inputs[target] if target in inputs.columns else None,
        predicted=predicted,
        probabilities=probabilities if task == "multiclass" else None,
    )


def monitoring_contract(contract: Contract, current: Current, target: str) -> Contract:
    """The contract the current data must meet.

    The target may be absent or missing (unlabelled rows); a request log holds only the model
    inputs, so its absent columns are not violations.
    """
    present = set(current.frame.columns)
    columns: dict[str, ColumnSpec] = {}
    for name, spec in contract.columns.items():
        if name == target:
            if name in present:
                columns[name] = spec.model_copy(update={"nullable": True})
        elif current.kind == "batch" or name in present:
            columns[name] = spec
    return Contract(columns=columns)


def coerce(frame: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    """Best-effort types after a contract violation: unparseable numbers become missing."""
    out = frame.copy()
    for name, spec in contract.columns.items():
        if name not in out.columns:
            continue
        if spec.type == "category":
            out[name] = out[name].astype("str")
        else:
            out[name] = pd.to_numeric(out[name], errors="coerce")
    return out


def check_contract(current: Current, contract: Contract, target: str) -> tuple[pd.DataFrame, str]:
    """The current frame with the contract's types, and the violation sentence ('' if none)."""
    rules = monitoring_contract(contract, current, target)
    try:
        return validate(current.frame, rules, current.source), ""
    except TabmlError as violation:
        return coerce(current.frame, rules), str(violation)


def encode_labels(labels: pd.Series, positive_label: str | int) -> Floats:
    """Labels as 1.0 (positive), 0.0 or NaN (unlabelled).

    Text labels are compared with `data.positive_label`; numbers and booleans are taken as
    already encoded 0/1 unless the positive label is itself a number.
    """
    known = labels.notna().to_numpy()
    if pd.api.types.is_bool_dtype(labels) or pd.api.types.is_numeric_dtype(labels):
        values = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=float)
        positive = _as_number(positive_label)
        encoded = values == positive if positive is not None else values == 1.0
    else:
        encoded = labels.astype(str).to_numpy() == str(positive_label)
    return np.where(known, encoded.astype(float), np.nan)


def _as_number(value: str | int) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None
