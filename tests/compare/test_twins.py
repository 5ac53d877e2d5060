"""The weighted twins of every registry metric: equal to the registry at unit weights, equal to
repeated rows at integer weights, and fast enough for the report's bootstrap."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tabml import metrics
from tabml.compare.bootstrap import bootstrap_deltas
from tabml.compare.sample import Sample
from tabml.compare.twins import weighted_metrics
from tabml.metrics import Task


def scored(task: Task, rows: int = 400, seed: int = 0) -> Sample:
    """Rows of `task` in the registry's shapes, with ties and an imperfect model."""
    rng = np.random.default_rng(seed)
    if task == "regression":
        prices = rng.normal(2e5, 5e4, rows).round(-2)  # a price, with repeated values
        guessed = (prices + rng.normal(0, 3e4, rows)).round(-3)
        return Sample(prices, guessed, guessed, task)
    classes = 2 if task == "binary" else 4
    labels = rng.integers(0, classes, rows)
    raw = 0.6 * np.eye(classes)[labels] + rng.random((rows, classes))
    scores = np.round(raw / raw.sum(axis=1, keepdims=True), 2)
    if task == "binary":
        return Sample(labels, scores[:, 1], (scores[:, 1] >= 0.5).astype(int))
    predicted = scores.argmax(axis=1)
    predicted[:5] = 3  # a class predicted that some resamples do not hold
    return Sample(labels, scores, predicted, task)


@pytest.mark.parametrize("task", metrics.TASKS)
def test_unit_weights_give_the_registrys_values(task: Task) -> None:
    sample = scored(task)
    names = list(metrics.names(task))
    twins = weighted_metrics(np.ones((1, len(sample.labels))), sample, names)
    for metric in metrics.for_task(task):
        expected = metric.compute(sample.labels, sample.scores, sample.predicted)
        assert twins[metric.name][0] == pytest.approx(expected, rel=1e-9), metric.name


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_integer_weights_equal_the_registry_on_repeated_rows(task: Task) -> None:
    sample = scored(task, rows=200)
    weights = np.random.default_rng(3).integers(0, 3, (3, 200)).astype(float)
    weights[2, sample.labels == sample.labels[0]] = 0  # a class (or value) left out entirely
    names = list(metrics.names(task))
    fast = weighted_metrics(weights, sample, names)
    slow = weighted_metrics(weights, sample, names, twins=False)
    for name in names:
        np.testing.assert_allclose(fast[name], slow[name], rtol=1e-9, err_msg=name)


def test_constant_labels_leave_r2_undefined_as_the_registry_does() -> None:
    labels = np.full(50, 3.5)
    predicted = labels + np.linspace(-1, 1, 50)
    sample = Sample(labels, predicted, predicted, "regression")
    twin = weighted_metrics(np.ones((1, 50)), sample, ["r2"])["r2"][0]
    assert np.isnan(twin) and np.isnan(metrics.get("r2").compute(labels, predicted, predicted))


def test_a_metric_of_another_task_is_refused() -> None:
    with pytest.raises(ValueError, match="metric 'roc_auc' does not apply to task 'regression'"):
        weighted_metrics(np.ones((1, 400)), scored("regression"), ["roc_auc"])


@pytest.mark.slow  # measures: 1,000 resamples of 10k rows, every metric, both sides
@pytest.mark.parametrize("task", metrics.TASKS)
def test_a_thousand_resamples_of_ten_thousand_rows_take_seconds(task: Task) -> None:
    base, pr = scored(task, rows=10_000), scored(task, rows=10_000, seed=1)
    pr = Sample(base.labels, pr.scores, pr.predicted, task)
    start = time.perf_counter()
    bootstrap_deltas(base, pr, list(metrics.names(task)), paired=True, resamples=1000)
    assert time.perf_counter() - start < 6.0
