"""`io.read_table`: the one reader of raw tables, CSV or parquet by suffix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabml import io
from tabml.errors import TabmlError


def table(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "size": rng.integers(0, 50, rows),
            "colour": rng.choice(["red", "blue", "?"], rows),
            "code": rng.choice(["01", "02"], rows),
            "weight": rng.normal(0, 1, rows),
            "kind": rng.choice(["a", "b"], rows),
        }
    )


@pytest.fixture
def both(tmp_path: Path) -> tuple[Path, Path]:
    frame = table()
    csv, parquet = tmp_path / "t.csv", tmp_path / "t.parquet"
    frame.to_csv(csv, index=False)
    frame.astype({"colour": "category", "code": "category"}).to_parquet(parquet, index=False)
    return csv, parquet


def test_csv_and_parquet_read_the_same_values(both: tuple[Path, Path]) -> None:
    csv, parquet = both
    dtypes = {"colour": "str", "code": "str", "kind": "str"}
    from_csv = io.read_table(csv, ["?"], dtypes)
    from_parquet = io.read_table(parquet, ["?"], dtypes)
    assert list(from_parquet.columns) == list(from_csv.columns)
    assert from_csv["colour"].isna().sum() > 0  # the marker is missing in both formats
    for name in from_csv.columns:
        expected = from_csv[name].astype(object).where(from_csv[name].notna(), None)
        got = from_parquet[name].astype(object).where(from_parquet[name].notna(), None)
        assert expected.tolist() == got.tolist(), name
    assert from_csv["code"].tolist()[:1] in (["01"], ["02"])  # codes stay text


def test_parquet_categories_stay_categorical(both: tuple[Path, Path]) -> None:
    frame = io.read_table(both[1], ["?"])
    assert isinstance(frame["colour"].dtype, pd.CategoricalDtype)
    assert "?" not in frame["colour"].cat.categories


@pytest.mark.parametrize("index", [0, 1])
def test_dropped_columns_are_never_read(both: tuple[Path, Path], index: int) -> None:
    frame = io.read_table(both[index], ["?"], drop=["weight", "code"])
    assert list(frame.columns) == ["size", "colour", "kind"]  # the file's order


def test_a_wrong_suffix_names_the_params_key(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(TabmlError, match=r"t\.xlsx: data\.path must name a \.csv or \.parquet"):
        io.read_table(path, [])


def test_an_unreadable_parquet_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_text("size,colour\n1,red\n")
    with pytest.raises(TabmlError, match=r"t\.parquet: not a readable parquet table") as caught:
        io.read_table(path, [])
    assert "\n" not in str(caught.value)


def test_a_parquet_file_without_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    table().head(0).to_parquet(path, index=False)
    with pytest.raises(TabmlError, match=r"t\.parquet: file has columns but no rows"):
        io.read_table(path, [])


def test_a_missing_table_is_named(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match=r"t\.parquet: file not found"):
        io.read_table(tmp_path / "t.parquet", [])


@pytest.mark.parametrize("drop", [None, ["weight"]])
def test_a_ragged_csv_row_is_refused_whatever_is_dropped(
    both: tuple[Path, Path], drop: list[str] | None
) -> None:
    csv = both[0]
    csv.write_text(csv.read_text() + "1,red,01,0.5,a,extra\n")
    with pytest.raises(TabmlError, match=r"t\.csv: not a readable CSV table \(.*saw 6\)"):
        io.read_table(csv, ["?"], drop=drop)
