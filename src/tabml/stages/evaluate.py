"""Stage 4: score the held-out split; metrics, slices, predictions and plot data, per task.

The trivial baseline (`stages.baseline`) is scored on the same rows: its metrics go to
reports/baseline.json and its per-row scores and predictions to predictions.csv, for the report's
paired bootstrap of model minus baseline. Column and key names follow the shared formats
(docs/design.md, "One pipeline for three tasks"): binary as before; multiclass names its
classes; regression has no scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.inspection import permutation_importance

from tabml import metrics as registry
from tabml.config import DataParams, EvaluateParams
from tabml.errors import TabmlError
from tabml.paths import (
    BASELINE_PREDICTED,
    BASELINE_SCORE,
    CLASSES,
    LABEL,
    PREDICTED,
    ROW_ID,
    SCORE,
)
from tabml.stages import plots
from tabml.stages.baseline import Baseline, fit_baseline
from tabml.stages.featurize import feature_columns
from tabml.stages.plots import calibration_table, precision_recall_table, roc_table

DIGITS = 6
Vector = NDArray[Any]
Slices = dict[str, dict[str, dict[str, float | int | None]]]
# Permutation importance is scored with the task's headline (as scikit-learn names its scorer).
SCORER = {"roc_auc": "roc_auc", "f1_macro": "f1_macro", "rmse": "neg_root_mean_squared_error"}
__all__ = ["calibration_table", "evaluate", "precision_recall_table", "roc_table"]


@dataclass(frozen=True)
class Evaluation:
    """Everything the evaluate stage writes (`float_format`: how its CSV numbers are written)."""

    metrics: dict[str, Any]
    baseline: dict[str, Any]
    slices: Slices
    predictions: pd.DataFrame
    roc: pd.DataFrame
    precision_recall: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame
    confusion: pd.DataFrame
    predicted_actual: pd.DataFrame
    residuals: pd.DataFrame
    float_format: str = "%.6g"


@dataclass(frozen=True)
class Scored:
    """One task's view of the test rows: labels, scores and predictions as the registry takes
    them (`tabml.metrics`), and the class names (none for regression)."""

    task: registry.Task
    labels: Vector
    scores: Vector
    predicted: Vector
    classes: list[str]


def classification_metrics(labels: Vector, scores: Vector, threshold: float) -> dict[str, float]:
    """Every registered binary metric (`tabml.metrics`) for labels and scores, rounded."""
    return labelled_metrics(labels, scores, (scores >= threshold).astype(int))


def labelled_metrics(
    labels: Vector, scores: Vector, predicted: Vector, task: registry.Task = "binary"
) -> dict[str, float]:
    """Every registered metric of `task` for scores and already decided predictions, rounded."""
    return {
        metric.name: round(metric.compute(labels, scores, predicted), DIGITS)
        for metric in registry.for_task(task)
    }


def per_class_recall(scored: Scored) -> dict[str, float | None]:
    """Recall of each class, by name; null for a class the test rows do not have."""
    result: dict[str, float | None] = {}
    for code, name in enumerate(scored.classes):
        actual = scored.labels == code
        hits = float((scored.predicted[actual] == code).mean()) if actual.any() else None
        result[name] = None if hits is None else round(hits, DIGITS)
    return result


def baseline_metrics(
    baseline: Baseline, scored: Scored
) -> dict[str, str | float | int | dict[str, float]]:
    """What reports/baseline.json holds: how the baseline predicts and its metrics."""
    rows = len(scored.labels)
    described: dict[str, str | float | int | dict[str, float]] = {
        "strategy": baseline.strategy,
        "n_train": baseline.train_rows,
    }
    if scored.task == "binary":
        described.update(score=baseline.score, label=baseline.label)
    elif scored.task == "multiclass":
        described["label"] = scored.classes[baseline.label]
        described["shares"] = dict(zip(scored.classes, baseline.shares, strict=True))
    else:
        described["prediction"] = baseline.score
    computed = labelled_metrics(
        scored.labels, baseline.scores(rows), baseline.predicted(rows), scored.task
    )
    return {**described, **computed}


def slice_metrics(
    frame: pd.DataFrame, scored: Scored, groups: list[str], threshold: float = 0.5
) -> Slices:
    """Per-group metrics of the task for governance: each value of each declared group column."""
    result: Slices = {}
    for group in groups:
        values = frame[group].astype("string").fillna("(missing)").to_numpy(dtype=str)
        result[group] = {}
        for value in sorted(set(values)):
            mask = values == value
            computed = labelled_metrics(
                scored.labels[mask], scored.scores[mask], scored.predicted[mask], scored.task
            )
            metrics: dict[str, float | int | None] = {  # undefined (ROC AUC of one class): null
                name: None if np.isnan(number) else number for name, number in computed.items()
            }
            metrics["n"] = int(mask.sum())
            if scored.task == "binary":
                positive = scored.scores[mask] >= threshold
                metrics["positive_rate"] = round(float(positive.mean()), DIGITS)
            result[group][value] = metrics
    return result


def importance_table(
    model: Any,
    inputs: pd.DataFrame,
    labels: Vector,
    params: EvaluateParams,
    seed: int,
    *,
    task: registry.Task = "binary",
) -> pd.DataFrame:
    """Permutation importance (the drop in the task's headline) of each raw input column,
    largest first. `labels` are what the model predicts: 0/1, class names or numbers."""
    rows = min(len(inputs), params.importance_max_rows)
    result = permutation_importance(
        model,
        inputs,
        labels,
        scoring=SCORER[registry.TASK_DEFAULTS[task].headline],
        n_repeats=params.importance_repeats,
        random_state=seed,
        max_samples=rows,
    )
    table = pd.DataFrame(
        {
            "feature": inputs.columns,
            "importance": result.importances_mean,
            "std": result.importances_std,
        }
    )
    return table.sort_values("importance", ascending=False, kind="stable").round(DIGITS)


def score(
    model: Any, inputs: pd.DataFrame, test: pd.DataFrame, data: DataParams, threshold: float
) -> Scored:
    """The model's scores and predictions on the test rows, in the registry's terms."""
    labels = test[data.target].to_numpy()
    if data.task == "regression":
        predicted = np.round(model.predict(inputs).astype(np.float64), DIGITS)
        return Scored("regression", labels.astype(np.float64), predicted, predicted, [])
    if data.task == "binary":
        classes = [str(c) for c in test.attrs.get(CLASSES, ["0", "1"])]
        scores = np.round(model.predict_proba(inputs)[:, 1], DIGITS)
        predicted = (scores >= threshold).astype(int)
        return Scored("binary", labels.astype(int), scores, predicted, classes)
    classes = [str(c) for c in model.classes_]
    prepared = test.attrs.get(CLASSES)
    if prepared is not None and list(prepared) != classes:
        raise TabmlError(
            f"the model's classes ({', '.join(classes)}) are not the prepared split's "
            f"({', '.join(map(str, prepared))}) for column '{data.target}'; rerun dvc repro"
        )
    scores = np.round(model.predict_proba(inputs), DIGITS)
    return Scored("multiclass", labels.astype(int), scores, scores.argmax(axis=1), classes)


def predictions_table(
    test: pd.DataFrame, scored: Scored, baseline: Baseline, groups: list[str]
) -> pd.DataFrame:
    """reports/predictions.csv: one row per test row, columns per the task (docs/design.md)."""
    rows = len(test)
    columns: dict[str, Any] = {ROW_ID: test[ROW_ID].to_numpy()}
    if scored.task == "binary":
        columns.update(
            {
                LABEL: scored.labels,
                SCORE: scored.scores,
                PREDICTED: scored.predicted,
                BASELINE_SCORE: baseline.scores(rows),
                BASELINE_PREDICTED: baseline.predicted(rows),
            }
        )
    else:
        names = np.asarray(scored.classes or [""], dtype=object)
        named = scored.task == "multiclass"
        columns[LABEL] = names[scored.labels] if named else scored.labels
        columns[PREDICTED] = names[scored.predicted] if named else scored.predicted
        base = baseline.predicted(rows)
        columns[BASELINE_PREDICTED] = names[base] if named else base
        for prefix, matrix in ((SCORE, scored.scores), (BASELINE_SCORE, baseline.scores(rows))):
            for code, name in enumerate(scored.classes):
                columns[f"{prefix}:{name}"] = matrix[:, code]
    columns.update({group: test[group].to_numpy() for group in groups})
    return pd.DataFrame(columns)


def evaluate(
    model: Any,
    test: pd.DataFrame,
    data: DataParams,
    params: EvaluateParams,
    seed: int,
    *,
    train: pd.DataFrame,
) -> Evaluation:
    """Score the test split with the full model, and with the trivial baseline learned from
    `train`'s labels; compute every evaluation output of `data.task`."""
    numeric, categorical = feature_columns(test, data)
    inputs = test[numeric + categorical]
    scored = score(model, inputs, test, data, params.threshold)
    task = scored.task
    baseline = fit_baseline(train[data.target].to_numpy(), task, DIGITS, len(scored.classes))
    metrics: dict[str, Any] = labelled_metrics(scored.labels, scored.scores, scored.predicted, task)
    if task == "binary":
        metrics["threshold"] = params.threshold
    if task == "multiclass":
        metrics["per_class_recall"] = per_class_recall(scored)
    metrics["n_test"] = len(test)
    metrics["task"] = task
    truth = np.asarray(scored.classes)[scored.labels] if task == "multiclass" else scored.labels
    tables = {name: plots.empty(name) for name in plots.COLUMNS}
    if task == "binary":
        tables["roc"] = roc_table(scored.labels, scored.scores, params.curve_points)
        tables["precision_recall"] = precision_recall_table(
            scored.labels, scored.scores, params.curve_points
        )
        tables["calibration"] = calibration_table(
            scored.labels, scored.scores, params.calibration_bins
        )
    if task == "regression":
        tables["predicted_actual"] = plots.predicted_actual_table(scored.labels, scored.predicted)
        tables["residuals"] = plots.residuals_table(scored.labels, scored.predicted)
    else:
        tables["confusion"] = plots.confusion_table(scored.labels, scored.predicted, scored.classes)
    return Evaluation(
        metrics=metrics,
        baseline=baseline_metrics(baseline, scored),
        slices=slice_metrics(test, scored, data.groups, params.threshold),
        predictions=predictions_table(test, scored, baseline, data.groups),
        importance=importance_table(model, inputs, truth, params, seed, task=task),
        float_format="%.12g" if task == "regression" else "%.6g",
        **tables,
    )
