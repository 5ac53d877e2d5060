"""Stage 4: score the held-out split; metrics, slices, predictions and plot data.

The trivial baseline (`stages.baseline`) is scored on the same rows: its metrics go to
reports/baseline.json and its per-row score and label to predictions.csv, for the report's
paired bootstrap of model minus baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.calibration import calibration_curve
from sklearn.inspection import permutation_importance
from sklearn.metrics import precision_recall_curve, roc_curve

from tabml import metrics as registry
from tabml.config import DataParams, EvaluateParams
from tabml.paths import BASELINE_PREDICTED, BASELINE_SCORE, LABEL, PREDICTED, ROW_ID, SCORE
from tabml.stages.baseline import Baseline, fit_baseline
from tabml.stages.featurize import feature_columns

DIGITS = 6
Vector = NDArray[Any]


@dataclass(frozen=True)
class Evaluation:
    """Everything the evaluate stage writes."""

    metrics: dict[str, float | int]
    baseline: dict[str, str | float | int]
    slices: dict[str, dict[str, dict[str, float | int | None]]]
    predictions: pd.DataFrame
    roc: pd.DataFrame
    precision_recall: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame


def classification_metrics(labels: Vector, scores: Vector, threshold: float) -> dict[str, float]:
    """Every registered binary metric (`tabml.metrics`) for labels and scores, rounded."""
    return labelled_metrics(labels, scores, (scores >= threshold).astype(int))


def labelled_metrics(labels: Vector, scores: Vector, predicted: Vector) -> dict[str, float]:
    """Every registered binary metric for scores and already decided labels, rounded."""
    return {
        metric.name: round(metric.compute(labels, scores, predicted), DIGITS)
        for metric in registry.for_task("binary")
    }


def baseline_metrics(baseline: Baseline, labels: Vector) -> dict[str, str | float | int]:
    """What reports/baseline.json holds: how the baseline predicts and its metrics on `labels`."""
    rows = len(labels)
    return {
        "strategy": baseline.strategy,
        "score": baseline.score,
        "label": baseline.label,
        "n_train": baseline.train_rows,
        **labelled_metrics(labels, baseline.scores(rows), baseline.predicted(rows)),
    }


def slice_metrics(
    frame: pd.DataFrame, labels: Vector, scores: Vector, groups: list[str], threshold: float
) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """Per-group metrics for governance: each value of each declared group column."""
    result: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for group in groups:
        values = frame[group].astype("string").fillna("(missing)").to_numpy(dtype=str)
        result[group] = {}
        for value in sorted(set(values)):
            mask = values == value
            computed = classification_metrics(labels[mask], scores[mask], threshold)
            metrics: dict[str, float | int | None] = {  # undefined (ROC AUC of one class): null
                name: None if np.isnan(number) else number for name, number in computed.items()
            }
            metrics["n"] = int(mask.sum())
            metrics["positive_rate"] = round(float((scores[mask] >= threshold).mean()), DIGITS)
            result[group][value] = metrics
    return result


def roc_table(labels: Vector, scores: Vector, points: int) -> pd.DataFrame:
    """TPR on a fixed FPR grid, so two revisions share the same x axis."""
    fpr, tpr, _ = roc_curve(labels, scores)
    grid = np.linspace(0.0, 1.0, points)
    return pd.DataFrame({"fpr": grid, "tpr": np.interp(grid, fpr, tpr)}).round(DIGITS)


def precision_recall_table(labels: Vector, scores: Vector, points: int) -> pd.DataFrame:
    """Interpolated precision (best precision at recall >= r) on a fixed recall grid."""
    precision, recall, _ = precision_recall_curve(labels, scores)
    order = np.argsort(recall)
    recall, precision = recall[order], np.maximum.accumulate(precision[order][::-1])[::-1]
    grid = np.linspace(0.0, 1.0, points)
    indices = np.clip(np.searchsorted(recall, grid, side="left"), 0, len(recall) - 1)
    return pd.DataFrame({"recall": grid, "precision": precision[indices]}).round(DIGITS)


def calibration_table(labels: Vector, scores: Vector, bins: int) -> pd.DataFrame:
    """Reliability diagram data: mean predicted score against observed positive rate."""
    fraction, mean_predicted = calibration_curve(labels, scores, n_bins=bins, strategy="uniform")
    return pd.DataFrame({"mean_predicted": mean_predicted, "fraction_positive": fraction}).round(
        DIGITS
    )


def importance_table(
    model: Any, inputs: pd.DataFrame, labels: Vector, params: EvaluateParams, seed: int
) -> pd.DataFrame:
    """Permutation importance (drop in ROC AUC) of each raw input column, largest first."""
    rows = min(len(inputs), params.importance_max_rows)
    result = permutation_importance(
        model,
        inputs,
        labels,
        scoring="roc_auc",
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
    `train`'s labels; compute every evaluation output."""
    numeric, categorical = feature_columns(test, data)
    inputs = test[numeric + categorical]
    labels = test[data.target].to_numpy().astype(int)
    baseline = fit_baseline(train[data.target].to_numpy().astype(int), "binary", DIGITS)
    scores = np.round(model.predict_proba(inputs)[:, 1], DIGITS)
    metrics: dict[str, float | int] = dict(classification_metrics(labels, scores, params.threshold))
    metrics["threshold"] = params.threshold
    metrics["n_test"] = len(test)
    predictions = pd.DataFrame(
        {
            ROW_ID: test[ROW_ID].to_numpy(),
            LABEL: labels,
            SCORE: scores,
            PREDICTED: (scores >= params.threshold).astype(int),
            BASELINE_SCORE: baseline.scores(len(test)),
            BASELINE_PREDICTED: baseline.predicted(len(test)),
            **{group: test[group].to_numpy() for group in data.groups},
        }
    )
    return Evaluation(
        metrics=metrics,
        baseline=baseline_metrics(baseline, labels),
        slices=slice_metrics(test, labels, scores, data.groups, params.threshold),
        predictions=predictions,
        roc=roc_table(labels, scores, params.curve_points),
        precision_recall=precision_recall_table(labels, scores, params.curve_points),
        calibration=calibration_table(labels, scores, params.calibration_bins),
        importance=importance_table(model, inputs, labels, params, seed),
    )
