"""prepare per data.task: the target checked against the task in one sentence, the label encoded
for it, and the split stratified for classification only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tabml.config import DataParams, SplitParams, parse_params
from tabml.contract import infer_contract
from tabml.errors import TabmlError
from tabml.stages.prepare import MAX_CLASSES, check_split, encode_target, prepare
from tabml.stages.validate import validate_inputs
from tests.stages.task_tables import task_params, task_table


def data(task: str, target: str = "y", **extra: Any) -> DataParams:
    positive = {"positive_label": "a"} if task == "binary" else {}
    return DataParams(
        path=Path("t.csv"), contract=Path("c.yaml"), target=target, task=task, **positive, **extra
    )


@pytest.mark.parametrize(
    ("task", "values", "message"),
    [
        (
            "binary",
            ["a", "b", "c", "a"],
            "t.csv: column 'y' has 3 values ('a', 'b', 'c'); data.task 'binary' needs exactly two",
        ),
        ("binary", ["b", "b", "c"], "column 'y' never has the positive label 'a'"),
        ("binary", ["a", "a"], "column 'y' has only one class"),
        ("multiclass", ["k", "k", "k"], "t.csv: column 'y' has only one class"),
        (
            "multiclass",
            [f"c{i}" for i in range(MAX_CLASSES + 1)],
            "column 'y' has 51 classes, more than the 50 data.task 'multiclass' allows",
        ),
        ("multiclass", ["a", None, "b"], "column 'y' has 1 missing value; every row needs a class"),
        (
            "regression",
            ["1.5", "x", "2"],
            "t.csv: column 'y' is not numeric (e.g. '1.5'); data.task 'regression' needs a",
        ),
        ("regression", [True, False], "column 'y' is not numeric"),
        ("regression", [1.0, np.nan], "column 'y' has 1 missing value; data.task 'regression'"),
    ],
)
def test_a_target_that_does_not_fit_the_task_is_one_sentence(
    task: str, values: list[Any], message: str
) -> None:
    frame = pd.DataFrame({"y": values})
    with pytest.raises(TabmlError, match=re.escape(message)):
        encode_target(frame, data(task), "t.csv")


def test_multiclass_codes_index_the_sorted_class_names() -> None:
    frame = pd.DataFrame({"y": [3, 10, 2, 10]})  # numbers sort as their strings
    codes, classes = encode_target(frame, data("multiclass"), "t.csv")
    assert classes == ["10", "2", "3"]
    assert codes.tolist() == [2, 0, 1, 0] and codes.dtype == np.int64


def test_binary_keeps_zero_one_and_names_the_other_class_first() -> None:
    labels, classes = encode_target(pd.DataFrame({"y": ["b", "a", "b"]}), data("binary"), "t")
    assert labels.tolist() == [0, 1, 0] and labels.dtype == np.int8
    assert classes == ["b", "a"]  # code 0 is the other value, 1 the positive label


def test_regression_keeps_numbers() -> None:
    labels, classes = encode_target(pd.DataFrame({"y": [1, 2, 5]}), data("regression"), "t")
    assert labels.dtype == np.float64 and labels.tolist() == [1.0, 2.0, 5.0] and classes == []


def prepared(task: str, **split: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = task_table(task)
    params = parse_params(task_params(task))
    contract = infer_contract(frame)
    return prepare(frame, contract, params.data, SplitParams(**split), "t.csv")


def test_classification_splits_are_stratified_and_keep_the_class_list() -> None:
    train, test = prepared("multiclass", test_size=0.3, seed=3)
    shares = train["cultivar"].value_counts(normalize=True).sort_index()
    assert (test["cultivar"].value_counts(normalize=True).sort_index() - shares).abs().max() < 0.03
    assert train.attrs["classes"] == test.attrs["classes"] == ["barbera", "barolo", "grignolino"]


def test_a_regression_split_is_plain_and_seeded() -> None:
    train, test = prepared("regression", test_size=0.25, seed=5)
    assert len(test) == 111 and len(train) == 331
    again = prepared("regression", test_size=0.25, seed=5)[1]
    assert again["row_id"].tolist() == test["row_id"].tolist()
    # a continuous target cannot be stratified: each value occurs once or twice
    assert (
        prepared("regression", test_size=0.25, seed=6)[1]["row_id"].tolist()
        != test["row_id"].tolist()
    )


def test_validate_refuses_a_target_that_does_not_fit_the_task_before_any_stage() -> None:
    frame = task_table("multiclass")  # three cultivars, asked as binary
    params = parse_params(task_params("binary"))
    with pytest.raises(TabmlError, match="has 3 values .* needs exactly two"):
        validate_inputs(frame, infer_contract(frame), params, "t.csv")
    regression = parse_params(task_params("regression", target="cultivar"))
    with pytest.raises(TabmlError, match="column 'cultivar' is not numeric"):
        validate_inputs(frame, infer_contract(frame), regression, "t.csv")


def test_a_split_too_small_for_every_class_on_each_side_is_one_sentence() -> None:
    target = pd.Series(["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"] * 2)
    with pytest.raises(
        TabmlError,
        match=re.escape(
            "params.yaml: split.test_size 0.2 leaves 4 test and 16 train rows of 20; each side "
            "needs at least 5 (one per class)"
        ),
    ):
        check_split(target, "y", SplitParams(test_size=0.2))
    check_split(target, "y", SplitParams(test_size=0.25))  # 5 test rows: one per class
    check_split(pd.Series(np.arange(20.0)), "y", SplitParams(test_size=0.1), stratify=False)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_a_categorical_target_encodes_as_its_text(task: str) -> None:
    """A parquet target arrives as a categorical (with unused categories): it is encoded from its
    codes, never row by row, and exactly as the same values as text."""
    values = ["b", "a", "c", "a"] if task == "multiclass" else ["b", "a", "b", "a"]
    text = pd.DataFrame({"y": pd.Series(values, dtype="str")})
    categorical = pd.DataFrame(
        {"y": pd.Categorical(values, categories=["z", *sorted(set(values))])}
    )
    expected = encode_target(text, data(task), "t.csv")
    labels, classes = encode_target(categorical, data(task), "t.parquet")
    assert labels.tolist() == expected[0].tolist() and labels.dtype == expected[0].dtype
    assert classes == expected[1] and "z" not in classes


def test_a_missing_binary_label_is_the_other_class() -> None:
    labels, _ = encode_target(pd.DataFrame({"y": ["a", None, "b"]}), data("binary"), "t")
    assert labels.tolist() == [1, 0, 0]
