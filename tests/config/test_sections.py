"""The pipeline's sections of params.yaml: every metric a report or monitor key names is
registered, and the task-dependent keys follow `data.task`."""

from __future__ import annotations

import pytest

from tabml import metrics
from tabml.config import parse_params
from tabml.errors import TabmlError


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


def test_config_accepts_every_binary_name_everywhere() -> None:
    names = list(metrics.names("binary"))
    drops = dict.fromkeys(names, 0.1)
    gate = {"floors": dict.fromkeys(names, 0.5), "max_regression": drops}
    report = {"metrics": names, "headline": names[-1], "gate": gate}
    params = parse_params(minimal_params(report=report, monitor={"performance_drop": drops}))
    assert params.report.metrics == names
    assert list(params.monitor.performance_drop) == names


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_left_out_report_and_monitor_keys_follow_the_task(task: metrics.Task) -> None:
    data = {"path": "t.csv", "contract": "c.yaml", "target": "y", "task": task}
    params = parse_params({"data": data})
    assert params.report.headline == metrics.TASK_DEFAULTS[task].headline
    assert params.report.metrics == list(metrics.names(task))
    assert params.monitor.performance_drop == metrics.TASK_DEFAULTS[task].performance_drop


@pytest.mark.parametrize(
    ("key", "sections"),
    [
        ("report.headline", {"report": {"headline": "roc_auc", "metrics": ["roc_auc", "r2"]}}),
        ("report.metrics", {"report": {"headline": "rmse", "metrics": ["rmse", "f1"]}}),
        ("monitor.performance_drop", {"monitor": {"performance_drop": {"roc_auc": 0.1}}}),
    ],
)
def test_a_metric_of_another_task_is_refused_naming_the_key(
    key: str, sections: dict[str, object]
) -> None:
    data = {"path": "t.csv", "contract": "c.yaml", "target": "y", "task": "regression"}
    with pytest.raises(
        TabmlError,
        match=rf"{key} names '\w+', which does not apply to "
        r"data.task 'regression'",
    ):
        parse_params({"data": data, **sections})


@pytest.mark.parametrize(
    ("data", "train", "message"),
    [
        ({"task": "binary"}, {}, "data.positive_label is missing: data.task 'binary' needs it"),
        ({"task": "regression", "positive_label": 1}, {}, "data.positive_label is set"),
        ({"task": "regression"}, {"model": "logistic_regression"}, "train.model "),
        ({"task": "multiclass"}, {"model": "ridge"}, "train.model 'ridge' does not fit"),
        ({"task": "triple"}, {}, "data.task"),
    ],
)
def test_task_rules_name_their_keys(
    data: dict[str, object], train: dict[str, object], message: str
) -> None:
    base = {"path": "t.csv", "contract": "c.yaml", "target": "y"}
    with pytest.raises(TabmlError, match=message):
        parse_params({"data": {**base, **data}, "train": train})


def test_the_bootstrap_is_bounded_by_default_and_refuses_a_tiny_cap() -> None:
    assert parse_params(minimal_params()).report.bootstrap.max_rows == 20_000
    with pytest.raises(TabmlError, match="report.bootstrap.max_rows"):
        parse_params(minimal_params(report={"bootstrap": {"max_rows": 10}}))
