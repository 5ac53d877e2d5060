"""The model's output in the form of `data.task`: what prediction drift and performance compare.

binary: P(positive) per row; multiclass: the predicted class (a code into the class list) and,
when the model scored the rows, the probability matrix; regression: the predicted value. The
reference comes from reports/predictions.csv, the current output from the model on a batch or from
the serving request log. Labels are encoded the way the metrics registry expects them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabml import metrics as registry
from tabml.config import DataParams, MonitorParams
from tabml.errors import TabmlError
from tabml.metrics import Task
from tabml.monitor import stats
from tabml.monitor.checks import Json, number, prediction_drift
from tabml.monitor.current import encode_labels
from tabml.paths import PREDICTED, SCORE

SCORE_PREFIX = f"{SCORE}:"  # multiclass predictions.csv: one `score:<class>` column per class
# Multiclass metrics that need the probability matrix, which a request log does not hold.
NEEDS_MATRIX = frozenset({"log_loss"})
# What the output is called in the report, per task.
OUTPUT_NAME: dict[Task, str] = {
    "binary": "score",
    "multiclass": "class",
    "regression": "prediction",
}


@dataclass(frozen=True)
class Outputs:
    """A model's outputs on some rows: binary scores, multiclass class codes or regression
    predictions in `values`; the multiclass probability matrix (rows, classes) when known."""

    values: stats.Floats
    matrix: stats.Floats | None = None


def class_list(predictions: pd.DataFrame) -> tuple[str, ...]:
    """The class list of a multiclass predictions.csv: its `score:<class>` columns, in order."""
    return tuple(
        str(c)[len(SCORE_PREFIX) :] for c in predictions.columns if c.startswith(SCORE_PREFIX)
    )


def class_codes(values: pd.Series, classes: Sequence[str]) -> stats.Floats:
    """Class names (any dtype) as codes into `classes`; missing or unknown classes are NaN."""
    index = {name: code for code, name in enumerate(classes)}
    codes = [float(index.get(name, math.nan)) for name in values.astype(str).to_numpy()]
    return np.where(values.notna().to_numpy(), np.array(codes, dtype=float), math.nan)


def reference_outputs(
    predictions: pd.DataFrame, task: Task, source: str
) -> tuple[stats.Floats, tuple[str, ...]]:
    """The test set's outputs in reports/predictions.csv, and the class list (multiclass)."""
    if task == "multiclass":
        classes = class_list(predictions)
        if not classes or PREDICTED not in predictions.columns:
            raise TabmlError(
                f"{source}: has no '{PREDICTED}' and '{SCORE_PREFIX}<class>' columns of a "
                "multiclass model; run the evaluate stage (dvc repro)"
            )
        codes = class_codes(predictions[PREDICTED], classes)
        if np.isnan(codes).any():
            raise TabmlError(f"{source}: column '{PREDICTED}' holds a class with no score column")
        return codes, classes
    column = SCORE if task == "binary" else PREDICTED
    if column not in predictions.columns:
        raise TabmlError(f"{source}: has no '{column}' column; run the evaluate stage (dvc repro)")
    values = pd.to_numeric(predictions[column], errors="coerce")
    if values.isna().any():
        raise TabmlError(f"{source}: column '{column}' holds values that are not numbers")
    return values.to_numpy(dtype=float), ()


def model_outputs(model: Any, inputs: pd.DataFrame, task: Task, classes: Sequence[str]) -> Outputs:
    """The model's outputs on `inputs`; a multiclass model must know as many classes as the
    reference (its probability columns are in class-list order)."""
    if task == "regression":
        return Outputs(np.asarray(model.predict(inputs), dtype=float))
    probabilities = np.asarray(model.predict_proba(inputs), dtype=float)
    if task == "binary":
        return Outputs(probabilities[:, 1])
    if probabilities.shape[1] != len(classes):
        raise ValueError(
            f"it gives {probabilities.shape[1]} class probabilities, the reference has "
            f"{len(classes)} classes"
        )
    return Outputs(np.argmax(probabilities, axis=1).astype(float), probabilities)


def task_labels(labels: pd.Series, data: DataParams, classes: Sequence[str]) -> stats.Floats:
    """Labels as the registry wants them: binary 1.0/0.0, multiclass codes, regression numbers;
    NaN where a row has no label (or, multiclass, a class the model does not know)."""
    if data.task == "binary":
        return encode_labels(labels, data.positive)
    if data.task == "multiclass":
        return class_codes(labels, classes)
    return pd.to_numeric(labels, errors="coerce").to_numpy(dtype=float)


def unknown_classes(labels: pd.Series, classes: Sequence[str]) -> dict[str, int]:
    """Label values the model never learned (multiclass), with their row counts."""
    known = labels.dropna().astype(str)
    unseen = known[~known.isin(list(classes))]
    return {str(name): int(count) for name, count in unseen.value_counts().sort_index().items()}


def class_drift(
    reference: stats.Floats, current: stats.Floats, classes: Sequence[str], params: MonitorParams
) -> Json:
    """Predicted class shares: PSI over classes and the chi-square test (rare ones pooled)."""
    names = np.asarray(classes, dtype=object)
    counts = stats.category_counts(
        pd.Series(names[reference.astype(int)]), pd.Series(names[current.astype(int)])
    )
    pooled = stats.pool_rare(counts)
    psi = stats.categorical_psi(pooled)
    statistic, p_value = stats.chi_square(pooled)
    full = counts.reindex(list(classes), fill_value=0)
    shares = {
        name: {
            "reference": number(float(row["reference"]) / len(reference)),
            "current": number(float(row["current"]) / len(current)),
        }
        for name, row in full.iterrows()
    }
    return {
        "computed": True,
        "output": "class",
        "psi": number(psi),
        "test": "chi2",
        "statistic": number(statistic),
        "p_value": number(p_value),
        "drift": psi >= params.score_psi_threshold and p_value < params.chi2_pvalue,
        "shares": shares,
    }


def output_drift(
    reference: stats.Floats,
    current: Outputs,
    params: MonitorParams,
    task: Task,
    *,
    threshold: float,
    classes: Sequence[str] = (),
) -> Json:
    """Prediction drift on the model's output: scores, class shares or predicted values."""
    if task == "multiclass":
        return class_drift(reference, current.values, classes, params)
    row = prediction_drift(
        reference, current.values, params, threshold if task == "binary" else None
    )
    return {"computed": True, "output": OUTPUT_NAME[task], **row}


def performance(
    labels: stats.Floats,
    current: Outputs,
    reference: Mapping[str, Any],
    params: MonitorParams,
    *,
    task: Task,
    threshold: float,
) -> Json:
    """The task's metrics on the labelled current rows against reports/metrics.json."""
    known = ~np.isnan(labels)
    truth = labels[known] if task == "regression" else labels[known].astype(int)
    values = current.values[known]
    scores: stats.Floats | None = values
    if task == "binary":
        predicted = (values >= threshold).astype(int)
    elif task == "multiclass":
        predicted = values.astype(int)
        scores = None if current.matrix is None else current.matrix[known]
    else:
        predicted = values
    allowed_drops = {str(name): drop for name, drop in params.performance_drop.items()}
    found: dict[str, Json] = {}
    for metric in registry.for_task(task):
        if scores is None and metric.name in NEEDS_MATRIX:
            continue
        value = metric.compute(truth, values if scores is None else scores, predicted)
        before = reference.get(metric.name)
        base = float(before) if isinstance(before, int | float) else math.nan
        drop = metric.worse_by(base, value)
        allowed = allowed_drops.get(metric.name)
        found[metric.name] = {
            "reference": number(base),
            "current": number(value),
            "drop": number(drop),
            "max_drop": allowed,
            "flag": allowed is not None and math.isfinite(drop) and drop > allowed,
        }
    return {"computed": True, "labelled_rows": int(known.sum()), "metrics": found}
