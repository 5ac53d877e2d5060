"""The trivial baseline: training prevalence as the score, the majority class as the label."""

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


def test_an_empty_split_or_another_task_is_refused_in_one_sentence() -> None:
    with pytest.raises(TabmlError, match="train split is empty"):
        fit_baseline(np.array([], dtype=int))
    with pytest.raises(TabmlError, match="no trivial baseline for task 'regression'"):
        fit_baseline(np.array([0.5, 1.5]), "regression")
