"""The metrics registry: one name, computation, direction and task list per metric, read by the
config, the evaluate stage, the bootstrap and everything that ranks or gates."""

from __future__ import annotations

from typing import Any, get_args

import numpy as np
import pytest

from tabml import metrics
from tabml.compare.bootstrap import Sample, weighted_metrics
from tabml.config import parse_params
from tabml.errors import TabmlError
from tabml.stages.evaluate import classification_metrics

LABELS = np.array([0, 1, 1, 0, 1, 0, 0, 1])
DIRECTIONS = {
    "roc_auc": "higher",
    "accuracy": "higher",
    "precision": "higher",
    "recall": "higher",
    "f1": "higher",
    "log_loss": "lower",
    "brier": "lower",
}


def value(metric: metrics.Metric, scores: Any) -> float:
    return metric.compute(LABELS, scores, (scores >= 0.5).astype(int))


def test_names_are_unique_and_each_has_its_direction_and_task() -> None:
    names = [m.name for m in metrics.REGISTRY]
    assert len(names) == len(set(names))
    assert {m.name: m.direction for m in metrics.REGISTRY} == DIRECTIONS
    assert all(m.tasks == {"binary"} for m in metrics.REGISTRY)
    assert metrics.names("binary") == tuple(DIRECTIONS)
    assert metrics.names("regression") == metrics.names("multiclass") == ()
    assert (
        set(metrics.TASKS) == {"binary", "multiclass", "regression"} == set(get_args(metrics.Task))
    )


@pytest.mark.parametrize("metric", metrics.REGISTRY, ids=lambda m: m.name)
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


def minimal_params(**sections: object) -> dict[str, object]:
    data = {"path": "t.csv", "contract": "c.yaml", "target": "y", "positive_label": 1}
    return {"data": data, **sections}


@pytest.mark.parametrize(
    ("key", "sections"),
    [
        ("report.metrics", {"report": {"metrics": ["roc_auc", "auc"]}}),
        ("report.headline", {"report": {"headline": "auc"}}),
        ("report.gate.floors", {"report": {"gate": {"floors": {"auc": 0.5}}}}),
        ("report.gate.max_regression", {"report": {"gate": {"max_regression": {"auc": 0.1}}}}),
        (
            "report.gate.max_slice_regression",
            {"report": {"gate": {"max_slice_regression": {"auc": 0.1}}}},
        ),
        ("monitor.performance_drop", {"monitor": {"performance_drop": {"auc": 0.1}}}),
    ],
)
def test_config_refuses_an_unknown_metric_naming_the_key(
    key: str, sections: dict[str, object]
) -> None:
    with pytest.raises(TabmlError) as error:
        parse_params(minimal_params(**sections))
    known = ", ".join(metrics.names())
    assert str(error.value) == f"params.yaml: {key} names unknown metric 'auc' (known: {known})"


def test_config_accepts_every_registered_name_everywhere() -> None:
    names = list(metrics.names())
    drops = dict.fromkeys(names, 0.1)
    gate = {"floors": dict.fromkeys(names, 0.5), "max_regression": drops}
    report = {"metrics": names, "headline": names[-1], "gate": gate}
    params = parse_params(minimal_params(report=report, monitor={"performance_drop": drops}))
    assert params.report.metrics == names
    assert list(params.monitor.performance_drop) == names
