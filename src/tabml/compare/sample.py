"""One revision's scored test rows, in the registry's shapes, with the per-row terms the
bootstrap's weighted twins sum (twins.py).

Shapes follow `tabml.metrics`: binary labels and predictions 0/1 with 1-D scores P(positive);
multiclass labels and predictions are class codes with a (rows, classes) probability matrix;
regression labels are numbers, and scores and predictions are both the predicted values.
Each term is computed once per sample and reused by every resample.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tabml import metrics as registry

Array = NDArray[Any]


@dataclass(frozen=True)
class Sample:
    """One revision's scored test rows of one task."""

    labels: Array
    scores: Array
    predicted: Array
    task: registry.Task = "binary"

    def take(self, rows: Array) -> Sample:
        """The sample restricted to (or repeated along) `rows`, an index array."""
        return Sample(self.labels[rows], self.scores[rows], self.predicted[rows], self.task)

    @cached_property
    def terms(self) -> Array:
        """Per-row terms whose weighted sums give the metrics of the task (see twins.py)."""
        if self.task == "multiclass":
            return self._class_terms()
        if self.task == "regression":
            return self._regression_terms()
        y, p = self.labels.astype(np.float64), self.predicted.astype(np.float64)
        clipped = np.clip(self.scores, registry.EPS, 1 - registry.EPS)
        loss = -(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
        columns = [y * p, (1 - y) * p, y * (1 - p), (1 - y) * (1 - p), loss, (self.scores - y) ** 2]
        return np.column_stack(columns)

    @property
    def classes(self) -> int:
        """How many classes a multiclass sample's score matrix has."""
        return int(self.scores.shape[1])

    def _class_terms(self) -> Array:
        """One-hot label, one-hot prediction and hit per class, then log loss and correctness."""
        codes = np.arange(self.classes)
        truth = (self.labels[:, None] == codes).astype(np.float64)
        guess = (self.predicted[:, None] == codes).astype(np.float64)
        clipped = np.clip(self.scores, registry.EPS, 1 - registry.EPS)
        picked = clipped[np.arange(len(self.labels)), self.labels.astype(np.int64)]
        # as scikit-learn does: each row's probabilities rescaled to sum to 1 (CSV rounding)
        loss = -np.log(np.clip(picked / clipped.sum(axis=1), registry.EPS, 1 - registry.EPS))
        correct = (self.labels == self.predicted).astype(np.float64)
        return np.column_stack([truth, guess, truth * guess, loss, correct])

    def _regression_terms(self) -> Array:
        """The centred label, its square, the squared and the absolute error (and a count)."""
        actual = self.labels.astype(np.float64)
        centred = actual - actual.mean() if len(actual) else actual
        error = self.predicted.astype(np.float64) - actual
        ones = np.ones_like(actual)
        return np.column_stack([ones, centred, centred**2, error**2, np.abs(error)])

    @cached_property
    def abs_error_order(self) -> Array:
        """Row positions sorted by absolute error (for the weighted quantiles)."""
        error = np.abs(self.predicted.astype(np.float64) - self.labels.astype(np.float64))
        return np.argsort(error, kind="stable")

    @cached_property
    def order(self) -> Array:
        """Row positions sorted by score (binary)."""
        return np.argsort(self.scores, kind="stable")

    @cached_property
    def ranking(self) -> Ranking:
        """Binary rows in score order, split by class, with each positive's tie group."""
        negative = self.labels[self.order] == 0
        sorted_scores = self.scores[self.order]
        new_group = np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]
        starts = np.flatnonzero(new_group)
        ends = np.r_[starts[1:], len(sorted_scores)]  # one past each group's last position
        group = np.cumsum(new_group) - 1
        negatives_before = np.r_[0, np.cumsum(negative)]  # at each sorted position
        positive = ~negative
        return Ranking(
            negatives=self.order[negative],
            positives=self.order[positive],
            below=negatives_before[starts[group[positive]]],
            through=negatives_before[ends[group[positive]]],
        )


@dataclass(frozen=True)
class Ranking:
    """What the bootstrap's ROC AUC needs of a binary sample (twins.py), computed once."""

    negatives: Array  # row positions of the negative rows, by score
    positives: Array  # row positions of the positive rows, by score
    below: Array  # for each positive (by score): the negatives scoring strictly below it
    through: Array  # for each positive: the negatives scoring below it or tied with it
