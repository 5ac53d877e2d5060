"""The scale benchmark's table generator: shaped like its source, noisy, bounded, reproducible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import generate


@pytest.fixture
def source() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 300
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": rng.normal(50_000, 10_000, n),
            "city": rng.choice(["Oslo", "Lima", "Pune"], n),
            "y": rng.choice(["yes", "no"], n),
        }
    )


def test_rows_columns_and_ranges_hold_across_chunks(source: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "big.parquet"
    generate.generate(source, 2_500, out, seed=3, chunk_rows=1_000, exclude={"y"})
    table = pq.ParquetFile(out)
    assert table.metadata.num_rows == 2_500 and table.num_row_groups == 3
    frame = pd.read_parquet(out)
    assert list(frame.columns) == list(source.columns)
    assert frame["age"].dtype == np.int64
    assert isinstance(frame["city"].dtype, pd.CategoricalDtype)
    for name in ("age", "income"):
        assert source[name].min() <= frame[name].min() and frame[name].max() <= source[name].max()
    assert set(frame["city"]) <= set(source["city"]) and set(frame["y"]) == set(source["y"])


def test_numbers_are_jittered_but_excluded_columns_are_not(
    source: pd.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "big.parquet"
    generate.generate(source, 2_000, out, seed=0, exclude={"y", "age"})
    frame = pd.read_parquet(out)
    assert frame["income"].nunique() > source["income"].nunique()  # not copies of source rows
    assert set(frame["age"]) <= set(source["age"])


def test_the_same_seed_gives_the_same_bytes(source: pd.DataFrame, tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.parquet", tmp_path / "b.parquet", tmp_path / "c.parquet"
    generate.generate(source, 1_500, first, seed=7, chunk_rows=500)
    generate.generate(source, 1_500, second, seed=7, chunk_rows=500)
    generate.generate(source, 1_500, other, seed=8, chunk_rows=500)
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()


def test_the_cli_reads_the_source_named_by_params(source: pd.DataFrame, tmp_path: Path) -> None:
    raw = tmp_path / "raw.csv"
    source.to_csv(raw, index=False)
    params = tmp_path / "params.yaml"
    params.write_text(f"data:\n  path: {raw}\n  target: y\n  na_values: ['?']\n")
    out = tmp_path / "out.parquet"
    assert generate.main(["--rows", "700", "--out", str(out), "--params", str(params)]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) == 700 and set(frame["y"]) <= {"yes", "no"}


def test_zero_rows_is_refused(source: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--rows"):
        generate.generate(source, 0, tmp_path / "x.parquet")
