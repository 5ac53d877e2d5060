"""The training table: batch selection, append, refresh by id, column checks."""

from __future__ import annotations

import pandas as pd
import pytest

from tabml.errors import TabmlError
from tabml.retrain.table import combine, select_batches


def frame(ids: list[int], label: str) -> pd.DataFrame:
    return pd.DataFrame({"id": ids, "x": [label] * len(ids)})


def test_cumulative_takes_every_batch_and_window_the_newest_in_date_order() -> None:
    names = ["2024-01-15.csv", "2024-01-01.csv", "2024-01-08.csv"]
    assert select_batches(names, "cumulative", 2) == sorted(names)
    assert select_batches(names, "window", 2) == ["2024-01-08.csv", "2024-01-15.csv"]
    assert select_batches([], "window", 2) == []


def test_without_an_id_batches_are_appended_after_the_base() -> None:
    built = combine(
        ("base.csv", b"b", frame([1, 2], "base")),
        [("one.csv", b"1", frame([2, 3], "one"))],
        ["id", "x"],
        id_column=None,
    )
    assert built.frame["x"].tolist() == ["base", "base", "one", "one"]
    assert built.base is not None and built.base.rows == 2
    (part,) = built.batches
    assert (part.rows, part.appended, part.refreshed) == (2, 2, 0)


def test_with_an_id_a_later_row_refreshes_the_earlier_one() -> None:
    built = combine(
        ("base.csv", b"b", frame([1, 2], "base")),
        [("one.csv", b"1", frame([2, 3], "one")), ("two.csv", b"2", frame([3, 4], "two"))],
        ["id", "x"],
        id_column="id",
    )
    assert dict(zip(built.frame["id"], built.frame["x"], strict=True)) == {
        1: "base",
        2: "one",
        3: "two",
        4: "two",
    }
    assert [(p.appended, p.refreshed) for p in built.batches] == [(1, 1), (1, 1)]
    record = built.provenance("cumulative", "abc")
    assert record["rows"] == 4 and record["base"]["path"] == "base.csv"
    assert [b["path"] for b in record["batches"]] == ["one.csv", "two.csv"]


def test_a_batch_with_other_columns_is_refused_by_name() -> None:
    bad = frame([1], "one").rename(columns={"x": "y"})
    with pytest.raises(TabmlError, match=r"^one.csv: lacks column 'x'"):
        combine(None, [("one.csv", b"", bad)], ["id", "x"], None)


def test_duplicate_ids_within_a_batch_are_refused() -> None:
    with pytest.raises(TabmlError, match="column 'id' has duplicate ids"):
        combine(None, [("one.csv", b"", frame([1, 1], "a"))], ["id", "x"], "id")


def test_nothing_to_train_on_is_an_error() -> None:
    with pytest.raises(TabmlError, match="no base table and no batches"):
        combine(None, [], ["id"], None)
