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
    def negative_sorted(self) -> Array:
        """1.0 for negative rows, in score order."""
        negative: Array = (self.labels[self.order] == 0).astype(np.float64)
        return negative

    @cached_property
    def positive_positions(self) -> Array:
        """Sorted positions of the positive rows."""
        return np.flatnonzero(self.labels[self.order] == 1)

    @cached_property
    def _groups(self) -> tuple[Array, Array]:
        sorted_scores = self.scores[self.order]
        new_group = np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]
        starts = np.flatnonzero(new_group)
        ends = np.r_[starts[1:] - 1, len(sorted_scores) - 1]
        group = np.cumsum(new_group) - 1
        return starts[group], ends[group]

    @property
    def group_start(self) -> Array:
        """For each sorted position, where its tie group starts."""
        return self._groups[0]

    @property
    def group_end(self) -> Array:
        """For each sorted position, where its tie group ends."""
        return self._groups[1]
