"""Current rows that are training rows (same id, or identical in every raw column) are counted,
and warned about from 1% of the rows on: a metric measured on them is inflated."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tabml.contract import ColumnSpec, Contract
from tabml.monitor.overlap import WARN_SHARE, find_overlap, overlap_warning, row_keys, training_rows

CONTRACT = Contract(
    columns={
        "id": ColumnSpec(type="integer"),
        "age": ColumnSpec(type="integer"),
        "job": ColumnSpec(type="category", categories=["a", "b"]),
        "w": ColumnSpec(type="number", nullable=True),
    }
)


def table(start: int, count: int) -> pd.DataFrame:
    rng = np.random.default_rng(start)
    return pd.DataFrame(
        {
            "id": np.arange(start, start + count),
            "age": rng.integers(18, 90, count),
            "job": rng.choice(["a", "b"], count),
            "w": rng.uniform(0, 1, count).round(6),
        }
    )


def test_identical_rows_are_found_whatever_the_dtypes() -> None:
    train = table(0, 200)
    current = pd.concat([train.iloc[:10], table(1000, 90)], ignore_index=True)
    current["age"] = current["age"].astype(float)  # 40 and 40.0 are the same value
    current.loc[0, "w"] = np.nan  # one copied row differs now: missing value
    found = find_overlap(
        train["id"], train.drop(columns="id"), current, contract=CONTRACT, id_column=None
    )
    assert found == {"same_id_rows": None, "identical_rows": 9, "share": 0.09, "warning": True}
    text = overlap_warning(found)
    assert text is not None and "9 are identical to training rows; 9.0% of rows" in text


def test_row_ids_count_and_a_few_natural_duplicates_do_not_warn() -> None:
    train = table(0, 1000)
    current = table(500, 1000)  # ids 500..999 are training rows: a refresh, not new data
    found = find_overlap(train["id"], None, current, contract=CONTRACT, id_column="id")
    assert found["same_id_rows"] == 500 and found["identical_rows"] is None
    assert found["warning"] and "500 have a training row's id" in str(overlap_warning(found))
    fresh = table(5000, 1000)
    fresh.iloc[:5] = train.iloc[:5].assign(id=range(9000, 9005)).to_numpy()  # 0.5% duplicates
    found = find_overlap(train["id"], train, fresh, contract=CONTRACT, id_column="id")
    assert found["identical_rows"] == 0  # the id column differs, so the rows are not identical
    same = find_overlap(
        train["id"], train.drop(columns="id"), fresh, contract=CONTRACT, id_column="id"
    )
    assert same["identical_rows"] == 5 and WARN_SHARE > 5 / 1000 and not same["warning"]
    assert overlap_warning(same) is None


def test_training_rows_are_the_raw_rows_of_the_train_split() -> None:
    raw = table(0, 10)
    assert training_rows(raw, pd.Series([8, 2]), None)["id"].tolist() == [2, 8]
    assert training_rows(raw, pd.Series(["3", "7"]), "id")["id"].tolist() == [3, 7]
    twice = pd.concat([raw.iloc[:1], raw.iloc[:1].assign(job="b" if raw["job"][0] == "a" else "a")])
    keys = row_keys(pd.concat([raw.iloc[:1], twice]), ["age", "job"], CONTRACT).tolist()
    assert keys[0] == keys[1] != keys[2]
