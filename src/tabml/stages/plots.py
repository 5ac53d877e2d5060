"""The evaluate stage's plot data, one table per file of reports/plots/.

dvc.yaml declares every file for every task, so `dvc plots show` works whatever `data.task`
is: the tables of another task are written with their header only, which DVC shows as no plot.
binary: ROC, precision-recall, calibration, confusion; multiclass: confusion; regression:
predicted vs actual and residuals; every task: permutation importance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

DIGITS = 6
Vector = NDArray[Any]
COLUMNS = {
    "roc": ["fpr", "tpr"],
    "precision_recall": ["recall", "precision"],
    "calibration": ["mean_predicted", "fraction_positive"],
    "confusion": ["actual", "predicted"],
    "predicted_actual": ["actual", "predicted"],
    "residuals": ["predicted", "residual"],
}


def empty(name: str) -> pd.DataFrame:
    """The header-only table of a plot that does not apply to the task."""
    return pd.DataFrame({column: pd.Series(dtype=np.float64) for column in COLUMNS[name]})


def roc_table(labels: Vector, scores: Vector, points: int) -> pd.DataFrame:
    """TPR on a fixed FPR grid, so two revisions share the same x axis."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(labels, scores)
    grid = np.linspace(0.0, 1.0, points)
    return pd.DataFrame({"fpr": grid, "tpr": np.interp(grid, fpr, tpr)}).round(DIGITS)


def precision_recall_table(labels: Vector, scores: Vector, points: int) -> pd.DataFrame:
    """Interpolated precision (best precision at recall >= r) on a fixed recall grid."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(labels, scores)
    order = np.argsort(recall)
    recall, precision = recall[order], np.maximum.accumulate(precision[order][::-1])[::-1]
    grid = np.linspace(0.0, 1.0, points)
    indices = np.clip(np.searchsorted(recall, grid, side="left"), 0, len(recall) - 1)
    return pd.DataFrame({"recall": grid, "precision": precision[indices]}).round(DIGITS)


def calibration_table(labels: Vector, scores: Vector, bins: int) -> pd.DataFrame:
    """Reliability diagram data: mean predicted score against observed positive rate."""
    from sklearn.calibration import calibration_curve

    fraction, mean_predicted = calibration_curve(labels, scores, n_bins=bins, strategy="uniform")
    return pd.DataFrame({"mean_predicted": mean_predicted, "fraction_positive": fraction}).round(
        DIGITS
    )


def confusion_table(labels: Vector, predicted: Vector, classes: list[str]) -> pd.DataFrame:
    """One row per test row: actual and predicted class NAMES (DVC's confusion template)."""
    names = np.asarray(classes, dtype=object)
    return pd.DataFrame({"actual": names[labels], "predicted": names[predicted]})


def predicted_actual_table(labels: Vector, predicted: Vector) -> pd.DataFrame:
    """One point per test row: the actual value against the prediction."""
    return pd.DataFrame({"actual": labels, "predicted": predicted})


def residuals_table(labels: Vector, predicted: Vector) -> pd.DataFrame:
    """One point per test row: the residual (actual minus predicted) against the prediction."""
    return pd.DataFrame({"predicted": predicted, "residual": labels - predicted}).round(DIGITS)
