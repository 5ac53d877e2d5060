"""What `tabml adopt` decides from a table alone: the task guess and its checks, the positive
label, id-like columns, the contract's target, and the params keys reset for a new task."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pytest

from tabml.errors import TabmlError
from tabml.scaffold.adopt_task import Guess, guess_task, id_like, table_contract, task_resets


def text(values: Sequence[object]) -> pd.Series:
    """A target as `tabml adopt` reads it: text."""
    return pd.Series([str(v) for v in values], dtype=object)


def guess(values: Sequence[object], task: str | None = None) -> Guess:
    return guess_task(text(values), "y", "t.csv", task)


def test_two_values_are_binary_with_the_minority_class_positive() -> None:
    result = guess(["no"] * 7 + ["yes"] * 3)
    assert (result.task, result.positive_label, result.classes) == ("binary", "yes", ("no", "yes"))
    assert "minority class (30% of rows)" in result.reason
    assert guess(["a"] * 2 + ["b"] * 8).positive_label == "a"


def test_a_tie_takes_the_last_class_in_sorted_order() -> None:
    result = guess([0, 1] * 5)
    assert result.positive_label == "1" and "tie" in result.reason


@pytest.mark.parametrize(
    ("values", "task"),
    [
        ([0.5, 1.25, 3.0] * 4, "regression"),  # fractions: a quantity
        (list(range(60)), "regression"),  # more distinct numbers than classes make sense
        ([1, 2, 3, 4, 5] * 3, "multiclass"),
        (["red", "green", "blue"] * 3, "multiclass"),
    ],
)
def test_the_task_follows_the_values(values: list[object], task: str) -> None:
    assert guess(values).task == task


def test_a_given_task_wins_when_the_values_allow_it() -> None:
    result = guess([1, 2, 3, 4, 5] * 3, task="regression")
    assert result.task == "regression" and result.reason.startswith("as asked")


@pytest.mark.parametrize(
    ("values", "task", "message"),
    [
        ([f"c{i}" for i in range(60)], None, "60 distinct text values, too many to guess"),
        (["a", "b", "c"] * 3, "binary", "has 3 values; binary needs exactly 2"),
        (["a", "b"] * 3, "multiclass", "has 2 values; use TASK=binary"),
        (["a", "b"] * 3, "regression", "is not numeric, so it cannot be regression"),
        (["a", "a", "b", "b", "c"], None, "only 1 row of class 'c'"),
        (["a"] * 4, None, "has only one value, 'a'"),
    ],
)
def test_refusals_name_the_column(values: list[object], task: str | None, message: str) -> None:
    with pytest.raises(TabmlError, match="^t.csv: column 'y' ") as raised:
        guess(values, task)
    assert message in str(raised.value)


def test_a_missing_target_value_is_refused() -> None:
    with pytest.raises(TabmlError, match="has 1 missing value; every row needs one"):
        guess_task(pd.Series(["a", None, "b", "a", "b"]), "y", "t.csv")


def test_id_like_columns_are_named_like_ids_and_unique() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [10, 11, 12, 13],
            "userId": ["u1", "u2", "u3", "u4"],
            "order_id": [1, 1, 2, 3],  # repeats: not a row id
            "paid": [1, 2, 3, 4],  # unique, but not named like an id
            "score_id": [0.1, 0.2, 0.3, 0.4],  # a measurement, whatever its name
            "y": [0, 1, 0, 1],
        }
    )
    assert id_like(frame, "y") == ["customer_id", "userId"]


def test_the_target_is_declared_by_the_task() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "y": ["1", "0", "0", "1"]})
    binary = table_contract(frame, "y", Guess("binary", ("0", "1"), "1", ""))
    assert binary.columns["y"].categories == ["0", "1"]
    assert list(binary.columns) == ["x", "y"]
    numeric = table_contract(frame, "y", Guess("regression", (), None, ""))
    assert numeric.columns["y"].type == "integer" and numeric.columns["y"].max == 2


BINARY_PARAMS = {
    "train": {"model": "logistic_regression"},
    "report": {
        "headline": "roc_auc",
        "metrics": ["roc_auc", "f1"],
        "gate": {"beat_baseline": ["roc_auc"], "floors": {"roc_auc": 0.9}, "min_slice_rows": 9},
    },
    "monitor": {"performance_drop": {"roc_auc": 0.05}},
}


def test_metric_keys_of_another_task_go_back_to_the_defaults() -> None:
    resets = task_resets(BINARY_PARAMS, "regression")
    assert resets == {
        "report.headline": "rmse",
        "report.metrics": ["rmse", "mae", "r2", "abs_error_p50", "abs_error_p90"],
        "report.gate.beat_baseline": None,
        "report.gate.floors": {},
        "monitor.performance_drop": {"r2": 0.05},
        "train.model": "hist_gradient_boosting",
    }


def test_the_same_task_resets_only_the_floors() -> None:
    assert task_resets(BINARY_PARAMS, "binary") == {"report.gate.floors": {}}
    # logistic regression fits multiclass too
    assert "train.model" not in task_resets(BINARY_PARAMS, "multiclass")


def test_keys_left_out_are_not_added() -> None:
    assert task_resets({"data": {}}, "multiclass") == {}
