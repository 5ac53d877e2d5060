"""Demo batches: deterministic, dated, in the raw format, shifted only where asked."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabml import io
from tabml.contract import ColumnSpec, Contract, validate
from tabml.errors import TabmlError
from tabml.monitor.batches import (
    batch_count,
    held_out_rows,
    latest_batch,
    make_batches,
    parse_date,
    parse_shift,
    reserve_rows,
    to_raw_csv,
)

CONTRACT = Contract(
    columns={
        "age": ColumnSpec(type="integer", min=17, max=90),
        "hours": ColumnSpec(type="number", min=1, max=99, nullable=True),
        "job": ColumnSpec(type="category", categories=["a", "b", "c"], nullable=True),
        "y": ColumnSpec(type="category", categories=["no", "yes"]),
    }
)
NA = ["?"]


def table(rows: int = 900) -> pd.DataFrame:
    """Raw-format rows in the contract's dtypes, some missing, a few at the top of the range."""
    rng = np.random.default_rng(5)
    hours = rng.uniform(10, 60, rows).round(1)
    hours[rng.random(rows) < 0.05] = np.nan
    job = pd.Series(rng.choice(["a", "b", "c"], rows)).where(rng.random(rows) >= 0.05)
    job = job.astype("str")  # as read with the contract's dtypes
    return pd.DataFrame(
        {
            "age": pd.array(rng.integers(17, 91, rows), dtype="Int64"),
            "hours": hours,
            "job": job,
            "y": rng.choice(["no", "yes"], rows),
        }
    )


def batches_of(seed: int, shifts: list[str], shift_from: int = 1) -> dict[str, pd.DataFrame]:
    return make_batches(
        table(),
        count=3,
        seed=seed,
        start=date(2024, 1, 1),
        every_days=7,
        shifts=[parse_shift(text, CONTRACT) for text in shifts],
        contract=CONTRACT,
        shift_from=shift_from,
    )


def test_batches_are_dated_disjoint_and_deterministic() -> None:
    first, again = batches_of(0, []), batches_of(0, [])
    assert list(first) == ["2024-01-01", "2024-01-08", "2024-01-15"]
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    rows = pd.concat(first.values())
    assert len(rows) == 900
    assert len(rows.drop_duplicates()) == len(table().drop_duplicates())  # each row once
    other = batches_of(1, [])
    assert not first["2024-01-01"].equals(other["2024-01-01"])


def test_shifts_apply_from_the_chosen_batch_within_the_contract() -> None:
    plain = batches_of(0, [])
    shifted = batches_of(0, ["age=+10", "hours=*1.3"], shift_from=2)
    pd.testing.assert_frame_equal(plain["2024-01-01"], shifted["2024-01-01"])
    before, after = plain["2024-01-08"], shifted["2024-01-08"]
    moved = after["age"] - before["age"]
    assert (moved <= 10).all() and (moved < 10).any()  # those near 90 are clipped at the max
    assert after["age"].max() == 90
    assert after["hours"].mean() == pytest.approx(before["hours"].mean() * 1.3, rel=0.02)
    assert after["hours"].isna().equals(before["hours"].isna())  # missing stays missing
    assert str(after["age"].dtype) == "Int64"
    validate(after, CONTRACT, "shifted batch")


def test_a_batch_round_trips_through_the_raw_format(tmp_path: Path) -> None:
    batch = batches_of(0, ["age=+5"])["2024-01-01"]
    path = tmp_path / "2024-01-01.csv"
    path.write_bytes(to_raw_csv(batch, NA))
    text = path.read_text()
    assert text.splitlines()[0].split(",") == list(CONTRACT.columns)
    assert ",?," in text  # missing values are written as '?'
    back = io.read_csv(path, NA, CONTRACT.read_dtypes())
    pd.testing.assert_frame_equal(
        back, batch, check_dtype=False, check_exact=False, check_column_type=False
    )


def test_held_out_rows_are_the_test_split_rows() -> None:
    raw = pd.DataFrame({"x": list("abcdef")})
    picked = held_out_rows(raw, pd.Series([4, 1]), None)
    assert picked["x"].tolist() == ["b", "e"]
    keyed = pd.DataFrame({"id": [10, 11, 12], "x": list("abc")})
    assert held_out_rows(keyed, pd.Series([12]), "id")["x"].tolist() == ["c"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("age+10", "expected COLUMN=+N, COLUMN=-N or COLUMN=*F"),
        ("age=/2", "expected COLUMN=+N"),
        ("height=+1", "column 'height' is not in the contract"),
        ("job=+1", "column 'job' is a category, not a number"),
    ],
)
def test_bad_shifts_are_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(TabmlError, match=re.escape(message)):
        parse_shift(text, CONTRACT)


def test_bad_dates_and_counts_are_clear_errors() -> None:
    with pytest.raises(TabmlError, match="expected a date as YYYY-MM-DD"):
        parse_date("01/02/2024")
    with pytest.raises(TabmlError, match="--batches must be between 1 and the 10 available rows"):
        make_batches(
            table(10),
            count=11,
            seed=0,
            start=date(2024, 1, 1),
            every_days=1,
            shifts=[],
            contract=CONTRACT,
        )


def test_latest_batch_is_the_newest_date(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match="no batch CSV files"):
        latest_batch(tmp_path)
    for name in ("2024-01-08.csv", "2024-02-01.csv", "2024-01-15.csv"):
        (tmp_path / name).write_text("a\n1\n")
    assert latest_batch(tmp_path).name == "2024-02-01.csv"


@pytest.mark.parametrize(
    ("rows", "requested", "expected"),
    [(9769, None, 4), (1000, None, 4), (600, None, 3), (250, None, 1), (1000, 5, 5)],
)
def test_batch_count_fits_the_rows_to_monitor_min_rows(
    rows: int, requested: int | None, expected: int
) -> None:
    assert batch_count(rows, requested, min_rows=200) == expected  # a 5k table's split: 1000


@pytest.mark.parametrize(
    ("rows", "requested", "message"),
    [
        (150, None, "only 150 rows to draw batches from, fewer than monitor.min_rows (200)"),
        (1000, 6, "--batches 6: batches of 166 rows are fewer than monitor.min_rows (200), "
         "which `tabml monitor` refuses; use at most 5 batches"),
        (1000, 0, "--batches must be between 1 and the 1000 available rows"),
    ],
)  # fmt: skip
def test_batch_counts_monitor_would_refuse_are_one_clear_error(
    rows: int, requested: int | None, message: str
) -> None:
    with pytest.raises(TabmlError, match=re.escape(message)):
        batch_count(rows, requested, min_rows=200)


def test_reserved_rows_leave_the_base_and_are_seeded() -> None:
    raw = pd.DataFrame({"x": range(100), "y": ["a", "b"] * 50})
    base, reserved = reserve_rows(raw, 0.2, seed=3)
    assert len(reserved) == 20 and len(base) == 80
    assert sorted([*base["x"], *reserved["x"]]) == list(range(100))  # a partition of the rows
    assert reserve_rows(raw, 0.2, seed=3)[1].equals(reserved)
    assert not reserve_rows(raw, 0.2, seed=4)[1].equals(reserved)
    with pytest.raises(TabmlError, match="cannot reserve 1 of 1 rows"):
        reserve_rows(raw.head(1), 0.5, seed=0)
