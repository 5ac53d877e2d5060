"""The trivial baseline of each task: prevalence and majority class (binary), class shares and the
most frequent class (multiclass), the training mean (regression)."""

import numpy as np
import pytest

from tabml.errors import TabmlError
from tabml.stages.baseline import fit_baseline


def test_binary_baseline_is_the_training_prevalence_and_the_majority_class() -> None:
    minority = fit_baseline(np.array([1] * 3 + [0] * 9))
    assert (minority.strategy, minority.score, minority.label) == ("prevalence", 0.25, 0)
    assert minority.train_rows == 12
    assert minority.scores(3).tolist() == [0.25] * 3
    assert minority.predicted(2).tolist() == [0, 0]
    majority = fit_baseline(np.array([1, 1, 1, 0]))
    assert (majority.score, majority.label) == (0.75, 1)
    tie = fit_baseline(np.array([0, 1]))
    assert (tie.score, tie.label) == (0.5, 0)  # a tie goes to the first class
    assert fit_baseline(np.array([1, 0, 0]), digits=3).score == 0.333


def test_an_empty_split_or_a_code_outside_the_classes_is_refused_in_one_sentence() -> None:
    for task in ("binary", "multiclass", "regression"):
        with pytest.raises(TabmlError, match="train split is empty"):
            fit_baseline(np.array([], dtype=int), task)
    with pytest.raises(TabmlError, match="class code outside its 2 classes"):
        fit_baseline(np.array([0, 1, 2]), "multiclass", classes=2)


def test_multiclass_baseline_is_the_most_frequent_class_with_the_training_shares() -> None:
    baseline = fit_baseline(np.array([2, 2, 0, 2, 1, 0, 2, 2]), "multiclass", classes=4)
    assert baseline.strategy == "most_frequent" and baseline.label == 2
    assert baseline.shares == (0.25, 0.125, 0.625, 0.0)  # a class unseen in train has share 0
    assert baseline.train_rows == 8
    scores = baseline.scores(3)
    assert scores.shape == (3, 4) and scores[1].tolist() == [0.25, 0.125, 0.625, 0.0]
    assert baseline.predicted(2).tolist() == [2, 2]
    tie = fit_baseline(np.array([1, 0, 0, 1]), "multiclass", classes=2)
    assert tie.label == 0  # a tie goes to the first class


def test_regression_baseline_predicts_the_training_mean() -> None:
    baseline = fit_baseline(np.array([1.0, 2.0, 4.5]), "regression", digits=3)
    assert (baseline.strategy, baseline.score, baseline.train_rows) == ("mean", 2.5, 3)
    assert baseline.predicted(2).tolist() == [2.5, 2.5]
    assert baseline.scores(2).tolist() == [2.5, 2.5]
