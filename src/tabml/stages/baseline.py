"""The trivial baseline every model must beat: a constant learned from the training labels alone.

It makes the quality gate data-agnostic: "better than knowing nothing but the label's
distribution" means the same on any table, where an absolute floor such as ROC AUC 0.90 is a fact
about one data set. The evaluate stage scores it on the same test rows as the model, so the
report can bootstrap model minus baseline row by row (paired).

`fit_baseline` is the one place that knows each task's baseline: binary scores every row with
the training prevalence of the positive class and predicts the majority class; multiclass (the
most frequent class) and regression (the training mean) belong next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from tabml.errors import TabmlError
from tabml.metrics import Task

Vector = NDArray[Any]
Strategy = Literal["prevalence"]


@dataclass(frozen=True)
class Baseline:
    """A constant model: the same score and the same predicted label for every row."""

    strategy: Strategy
    score: float
    label: int
    train_rows: int

    def scores(self, rows: int) -> Vector:
        """Its score for each of `rows` rows."""
        return np.full(rows, self.score, dtype=np.float64)

    def predicted(self, rows: int) -> Vector:
        """Its predicted label for each of `rows` rows."""
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


def fit_baseline(labels: Vector, task: Task = "binary", digits: int = 6) -> Baseline:
    """The trivial baseline of `task` from the train split's labels (0/1 for binary)."""
    if len(labels) == 0:
        raise TabmlError("the train split is empty: no labels to learn the trivial baseline from")
    if task == "binary":
        return _binary(labels, digits)
    raise TabmlError(f"no trivial baseline for task '{task}' yet (binary only)")
