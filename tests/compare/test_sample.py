"""A sample's per-row terms: their sums are the counts each task's metrics are ratios of."""

from __future__ import annotations

import numpy as np

from tabml.compare.sample import Sample


def test_multiclass_terms_sum_to_class_counts_hits_loss_and_correct_rows() -> None:
    labels, predicted = np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2])
    scores = np.array([[0.5, 0.25, 0.25], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.0, 0.5, 0.5]])
    sums = Sample(labels, scores, predicted, "multiclass").terms.sum(axis=0)
    assert sums[:3].tolist() == [1, 1, 2]  # rows per actual class
    assert sums[3:6].tolist() == [1, 0, 3]  # rows per predicted class
    assert sums[6:9].tolist() == [1, 0, 2]  # hits per class
    assert np.isclose(sums[9], -np.log([0.5, 0.3, 0.8, 0.5]).sum())
    assert sums[10] == 3


def test_regression_terms_are_shift_free_and_take_keeps_the_task() -> None:
    labels = np.array([1e6, 1e6 + 2, 1e6 + 4])
    predicted = labels + np.array([1.0, -2.0, 0.0])
    sample = Sample(labels, predicted, predicted, "regression")
    count, centred, squares, squared_error, abs_error = sample.terms.sum(axis=0)
    assert (count, centred, squares, squared_error, abs_error) == (3, 0, 8, 5, 3)
    twice = sample.take(np.array([1, 1]))
    assert twice.task == "regression" and twice.labels.tolist() == [1e6 + 2] * 2


def test_binary_ranking_counts_the_negatives_below_and_through_each_positives_tie_group() -> None:
    # by score: n(0.1) p(0.2) n(0.5) p(0.5) n(0.5) p(0.9); rows given out of order
    labels = np.array([1, 0, 0, 1, 1, 0])
    scores = np.array([0.9, 0.1, 0.5, 0.2, 0.5, 0.5])
    sample = Sample(labels, scores, (scores >= 0.5).astype(np.int64))
    ranking = sample.ranking
    assert ranking.negatives.tolist() == [1, 2, 5]
    assert ranking.positives.tolist() == [3, 4, 0]
    assert ranking.below.tolist() == [1, 1, 3]
    assert ranking.through.tolist() == [1, 3, 3]
