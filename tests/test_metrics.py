"""The metrics registry: one name, computation, direction and task list per metric, read by the
config, the evaluate stage, the bootstrap and everything that ranks or gates."""

from __future__ import annotations

from typing import Any, get_args

import numpy as np
import pytest

from tabml import metrics
from tabml.compare.bootstrap import Sample, weighted_metrics
from tabml.stages.evaluate import classification_metrics

LABELS = np.array([0, 1, 1, 0, 1, 0, 0, 1])
DIRECTIONS = {
    "roc_auc": "higher",
    "accuracy": "higher",
    "precision": "higher",
    "recall": "higher",
    "f1": "higher",
    "f1_macro": "higher",
    "f1_weighted": "higher",
    "balanced_accuracy": "higher",
    "log_loss": "lower",
    "brier": "lower",
    "rmse": "lower",
    "mae": "lower",
    "r2": "higher",
    "abs_error_p50": "lower",
    "abs_error_p90": "lower",
}
BY_TASK = {
    "binary": ("roc_auc", "accuracy", "precision", "recall", "f1", "log_loss", "brier"),
    "multiclass": ("accuracy", "f1_macro", "f1_weighted", "balanced_accuracy", "log_loss"),
    "regression": ("rmse", "mae", "r2", "abs_error_p50", "abs_error_p90"),
}
CODES = np.array([0, 1, 2, 2, 1, 0, 2, 1])
TARGETS = np.array([3.0, -1.0, 2.5, 10.0, 0.0, 4.0, 7.5, 1.0])


def value(metric: metrics.Metric, scores: Any) -> float:
    return metric.compute(LABELS, scores, (scores >= 0.5).astype(int))


def test_names_are_unique_and_each_has_its_direction_and_task() -> None:
    names = [m.name for m in metrics.REGISTRY]
    assert len(names) == len(set(names))
    assert {m.name: m.direction for m in metrics.REGISTRY} == DIRECTIONS
    for task, expected in BY_TASK.items():
        assert metrics.names(task) == expected  # type: ignore[arg-type]
        assert metrics.TASK_DEFAULTS[task].headline in expected  # type: ignore[index]
        assert set(metrics.TASK_DEFAULTS[task].performance_drop) <= set(expected)  # type: ignore[index]
    assert (
        set(metrics.TASKS) == {"binary", "multiclass", "regression"} == set(get_args(metrics.Task))
    )


def one_hot(codes: Any, classes: int = 3) -> Any:
    return np.eye(classes)[codes]


@pytest.mark.parametrize("metric", metrics.for_task("multiclass"), ids=lambda m: m.name)
def test_multiclass_perfect_beats_a_shifted_prediction(metric: metrics.Metric) -> None:
    shifted = (CODES + 1) % 3
    perfect = metric.compute(CODES, one_hot(CODES), CODES)
    wrong = metric.compute(CODES, one_hot(shifted) * 0.8 + 0.2 / 3, shifted)
    assert perfect == pytest.approx(0.0 if metric.lower_is_better else 1.0, abs=1e-9)
    assert metric.worse_by(perfect, wrong) > 0


def test_multiclass_log_loss_counts_a_class_the_rows_lack() -> None:
    scores = np.full((4, 4), 0.25)  # four classes, the rows hold only three
    value = metrics.get("log_loss").compute(CODES[:4], scores, CODES[:4])
    assert value == pytest.approx(np.log(4))


@pytest.mark.parametrize("metric", metrics.for_task("regression"), ids=lambda m: m.name)
def test_regression_perfect_beats_the_mean(metric: metrics.Metric) -> None:
    mean = np.full(len(TARGETS), TARGETS.mean())
    perfect = metric.compute(TARGETS, TARGETS, TARGETS)
    assert perfect == pytest.approx(0.0 if metric.lower_is_better else 1.0, abs=1e-9)
    assert metric.worse_by(perfect, metric.compute(TARGETS, mean, mean)) > 0


def test_regression_values_by_hand() -> None:
    labels, predicted = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 1.0])
    assert metrics.get("rmse").compute(labels, predicted, predicted) == pytest.approx(
        np.sqrt(10 / 3)
    )
    assert metrics.get("mae").compute(labels, predicted, predicted) == pytest.approx(4 / 3)
    assert metrics.get("abs_error_p50").compute(labels, predicted, predicted) == 1.0
    constant = np.ones(3)
    assert np.isnan(metrics.get("r2").compute(constant, predicted, predicted))


@pytest.mark.parametrize("metric", metrics.for_task("binary"), ids=lambda m: m.name)
def test_a_perfect_prediction_is_the_best_extreme_and_an_inverted_one_is_worse(
    metric: metrics.Metric,
) -> None:
    perfect = value(metric, LABELS.astype(float))
    inverted = value(metric, 1.0 - LABELS)
    assert perfect == pytest.approx(0.0 if metric.lower_is_better else 1.0, abs=1e-9)
    assert metric.worse_by(perfect, inverted) > 0
    assert metric.best_first(perfect) < metric.best_first(inverted)
    if not metric.lower_is_better:
        assert inverted == 0.0


def test_direction_decides_worse_floors_and_order() -> None:
    loss, score = metrics.get("log_loss"), metrics.get("roc_auc")
    assert (loss.worse_by(0.3, 0.4), score.worse_by(0.9, 0.8)) == pytest.approx((0.1, 0.1))
    assert (loss.bound, score.bound) == ("<=", ">=")
    assert loss.meets(0.2, 0.3) and not loss.meets(0.4, 0.3)
    assert score.meets(0.95, 0.9) and not score.meets(0.85, 0.9)
    assert sorted([0.3, 0.1, 0.2], key=loss.best_first) == [0.1, 0.2, 0.3]
    assert sorted([0.3, 0.1, 0.2], key=score.best_first) == [0.3, 0.2, 0.1]


def test_roc_auc_of_one_class_is_undefined() -> None:
    ones = np.ones(4, dtype=int)
    assert np.isnan(metrics.get("roc_auc").compute(ones, np.full(4, 0.7), ones))


def test_an_unknown_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"^unknown metric 'auc' \(known: roc_auc, accuracy, "):
        metrics.get("auc")


def test_evaluate_reports_every_binary_metric_in_registry_order() -> None:
    scores = np.array([0.1, 0.8, 0.4, 0.3, 0.9, 0.6, 0.2, 0.7])
    reported = classification_metrics(LABELS, scores, 0.5)
    assert tuple(reported) == metrics.names("binary")
    for metric in metrics.for_task("binary"):
        assert reported[metric.name] == round(value(metric, scores), 6)


def test_every_binary_metric_has_an_exact_bootstrap_twin() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    scores = np.round(np.clip(labels * 0.3 + rng.random(300) * 0.7, 0, 1), 2)
    predicted = (scores >= 0.5).astype(int)
    names = list(metrics.names("binary"))
    twins = weighted_metrics(np.ones((1, 300)), Sample(labels, scores, predicted), names)
    for metric in metrics.for_task("binary"):
        expected = metric.compute(labels, scores, predicted)
        assert twins[metric.name][0] == pytest.approx(expected, rel=1e-9), metric.name
