"""The trivial baseline every model must beat: a constant learned from the training labels alone.

It makes the quality gate data-agnostic: "better than knowing nothing but the label's
distribution" means the same on any table, where an absolute floor such as ROC AUC 0.90 is a fact
about one data set. The evaluate stage scores it on the same test rows as the model, so the
report can bootstrap model minus baseline row by row (paired).

`fit_baseline` is the one place that knows each task's baseline: binary scores every row with
the training prevalence of the positive class and predicts the majority class; multiclass
predicts the most frequent class with the training class shares as probabilities; regression
predicts the training mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from tabml.errors import TabmlError
from tabml.metrics import Task

Vector = NDArray[Any]
Strategy = Literal["prevalence", "most_frequent", "mean"]


@dataclass(frozen=True)
class Baseline:
    """A constant model: the same score and the same prediction for every row.

    binary: `score` is the prevalence, `label` the majority class (0/1); multiclass: `shares`
    the training share of each class code, `label` the most frequent code; regression: `score`
    is the training mean, which it predicts.
    """

    strategy: Strategy
    score: float
    label: int
    train_rows: int
    shares: tuple[float, ...] = ()

    def scores(self, rows: int) -> Vector:
        """Its score for each of `rows` rows: (rows, classes) shares for multiclass."""
        if self.strategy == "most_frequent":
            return np.tile(np.asarray(self.shares, dtype=np.float64), (rows, 1))
        return np.full(rows, self.score, dtype=np.float64)

    def predicted(self, rows: int) -> Vector:
        """Its prediction for each of `rows` rows: a class code, or the mean."""
        if self.strategy == "mean":
            return np.full(rows, self.score, dtype=np.float64)
        return np.full(rows, self.label, dtype=np.int64)


def _binary(labels: Vector, digits: int) -> Baseline:
    """Training prevalence as the score; the majority class (0 on a tie) as the label."""
    counts = np.bincount(labels.astype(np.int64), minlength=2)
    return Baseline(
        strategy="prevalence",
        score=round(float(counts[1] / counts.sum()), digits),
        label=int(counts.argmax()),
        train_rows=int(counts.sum()),
    )


def _multiclass(labels: Vector, classes: int, digits: int) -> Baseline:
    """Training class shares as probabilities; the most frequent class (first on a tie)."""
    codes = labels.astype(np.int64)
    if codes.min() < 0 or codes.max() >= max(classes, 1):
        raise TabmlError(f"the train split has a class code outside its {classes} classes")
    counts = np.bincount(codes, minlength=classes)
    shares = tuple(round(float(c / counts.sum()), digits) for c in counts)
    return Baseline(
        strategy="most_frequent",
        score=max(shares),
        label=int(counts.argmax()),
        train_rows=int(counts.sum()),
        shares=shares,
    )


def fit_baseline(
    labels: Vector, task: Task = "binary", digits: int = 6, classes: int = 0
) -> Baseline:
    """The trivial baseline of `task` from the train split's labels (0/1 for binary, class codes
    of `classes` classes for multiclass, numbers for regression)."""
    if len(labels) == 0:
        raise TabmlError("the train split is empty: no labels to learn the trivial baseline from")
    if task == "binary":
        return _binary(labels, digits)
    if task == "multiclass":
        return _multiclass(labels, classes or int(labels.max()) + 1, digits)
    values = labels.astype(np.float64)
    return Baseline("mean", round(float(values.mean()), digits), 0, len(values))
