"""Each task's report data is accepted, and a shape, metric or chart that does not fit the task
is refused: an artifact from PR code cannot mix tasks or bend a chart."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tabml.compare.schema import ReportData
from tests.compare.reportdata import multiclass, regression, sample


def refused(data: ReportData, path: str, value: Any) -> str:
    payload = json.loads(data.model_dump_json())
    *parents, leaf = path.split(".")
    node: Any = payload
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(leaf) if leaf.isdigit() else leaf] = value
    with pytest.raises(ValidationError) as info:
        ReportData.model_validate_json(json.dumps(payload))
    return str(info.value)


@pytest.mark.parametrize("build", [sample, multiclass, regression])
def test_each_task_round_trips(build: Any) -> None:
    data = build()
    assert ReportData.model_validate_json(data.model_dump_json()) == data


@pytest.mark.parametrize(
    ("build", "path", "value", "says"),
    [
        (multiclass, "deltas.1.metric", "brier", "does not apply to task 'multiclass'"),
        (multiclass, "slices.0.delta.metric", "roc_auc", "does not apply to task 'multiclass'"),
        (sample, "task", "regression", "does not apply to task 'regression'"),
        (multiclass, "multiclass", None, "charts given do not match task 'multiclass'"),
        (regression, "roc", {"x": [0.0], "base": [0.0], "pr": [0.0]}, "do not match task"),
        (multiclass, "positive_label", "cat", "do not match task"),
        (multiclass, "baseline.strategy", "mean", "does not match the values given"),
        (multiclass, "multiclass.classes.1", "bird", "a class appears twice"),
        (multiclass, "multiclass.confusion_pr.0", [1, 2], "must be 3 x 3"),
        (multiclass, "multiclass.recall.0.pr", 1.5, "less than or equal to 1"),
        (multiclass, "multiclass.classes.0", "a\nb", "line-break"),
        (regression, "regression.edges.2", 1.0, "edges must start at 0 or above and increase"),
        (regression, "regression.pr", [0.5, 0.5], "one share per bin"),
        (regression, "regression.bins.0.actual", float("inf"), "finite"),
        (regression, "deltas.0.pr", -5.0, "rmse -5.0 is outside"),
        (regression, "deltas.1.base", 1.5, "r2 1.5 is outside"),
        (regression, "baseline.mean", "51234", "valid number"),
    ],
)
def test_what_does_not_fit_the_task_is_refused(
    build: Any, path: str, value: Any, says: str
) -> None:
    assert says in refused(build(), path, value)


def test_a_regression_in_a_large_unit_is_accepted_where_a_ratio_would_not_be() -> None:
    assert regression().delta("rmse").base == 9000.0
    assert "roc_auc 9000.0 is outside" in refused(sample(), "deltas.0.base", 9000.0)
