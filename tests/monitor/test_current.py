"""The current data to monitor, on small frames: a batch or a request log, the contract it must
meet (labels optional, a log's absent columns allowed), violations reported not raised, labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabml.contract import ColumnSpec, Contract
from tabml.errors import TabmlError
from tabml.monitor.current import (
    check_contract,
    encode_labels,
    from_batch,
    from_request_log,
    monitoring_contract,
)

CONTRACT = Contract(
    columns={
        "age": ColumnSpec(type="integer", min=0),
        "job": ColumnSpec(type="category", categories=["a", "b"]),
        "income": ColumnSpec(type="category", categories=["<=50K", ">50K"]),
    }
)


def log(**extra: list[object]) -> pd.DataFrame:
    fields: dict[str, list[object]] = {
        "timestamp": ["t1", "t2"],
        "request_id": ["r1", "r2"],
        "index": [0, 1],
        "model_version": ["v1", "v1"],
        "label": [">50K", "<=50K"],  # what the server predicted, never the truth
        "age": [30, 40],
        "score": [0.7, 0.2],
    }
    return pd.DataFrame(fields | extra)


def test_a_batchs_target_column_holds_its_labels() -> None:
    frame = pd.DataFrame({"age": [30], "job": ["a"], "income": [">50K"]})
    labels = from_batch(frame, "b.csv", "income").labels
    assert labels is not None and labels.tolist() == [">50K"]
    assert from_batch(frame.drop(columns="income"), "b.csv", "income").labels is None


def test_a_request_log_gives_inputs_and_scores_but_not_its_predicted_label() -> None:
    current = from_request_log(log(), "requests.jsonl", "income")
    assert list(current.frame.columns) == ["age"] and current.kind == "log"
    np.testing.assert_array_equal(current.scores, [0.7, 0.2])
    assert current.labels is None


def test_a_request_log_without_numeric_scores_is_one_sentence() -> None:
    with pytest.raises(TabmlError, match="requests.jsonl: the request log has no 'score' field"):
        from_request_log(log().drop(columns="score"), "requests.jsonl", "income")
    with pytest.raises(TabmlError, match="requests.jsonl: 1 log records have no numeric 'score'"):
        from_request_log(log(score=[0.7, "n/a"]), "requests.jsonl", "income")


def test_labels_may_be_missing_and_a_logs_absent_columns_are_no_violation() -> None:
    batch = from_batch(pd.DataFrame({"age": [1], "job": ["a"], "income": [None]}), "b", "income")
    rules = monitoring_contract(CONTRACT, batch, "income")
    assert list(rules.columns) == ["age", "job", "income"] and rules.columns["income"].nullable
    logged = monitoring_contract(CONTRACT, from_request_log(log(), "r", "income"), "income")
    assert list(logged.columns) == ["age"]


def test_a_violation_is_reported_and_the_data_still_coerced_for_drift() -> None:
    frame = pd.DataFrame({"age": ["30", "old"], "job": ["a", "b"], "income": [">50K", None]})
    checked, violation = check_contract(from_batch(frame, "b.csv", "income"), CONTRACT, "income")
    assert violation.startswith("b.csv: column 'age'")
    assert checked["age"].tolist()[0] == 30 and np.isnan(checked["age"].tolist()[1])
    good = frame.assign(age=[30, 41])
    checked, violation = check_contract(from_batch(good, "b.csv", "income"), CONTRACT, "income")
    assert violation == "" and checked["age"].tolist() == [30, 41]


def test_labels_are_encoded_against_the_positive_label_with_unlabelled_rows_as_nan() -> None:
    text = encode_labels(pd.Series([">50K", "<=50K", None]), ">50K")
    np.testing.assert_array_equal(text, [1.0, 0.0, np.nan])
    numbers = encode_labels(pd.Series([1, 0, np.nan]), ">50K")  # already 0/1
    np.testing.assert_array_equal(numbers, [1.0, 0.0, np.nan])
    coded = encode_labels(pd.Series([2, 1, 2]), "2")  # a numeric positive label
    np.testing.assert_array_equal(coded, [1.0, 0.0, 1.0])
    flags = encode_labels(pd.Series([True, False]), "yes")
    np.testing.assert_array_equal(flags, [1.0, 0.0])
