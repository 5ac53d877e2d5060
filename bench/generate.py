"""Write a big table shaped like the project's raw table, for scale benchmarks (docs/scaling.md).

    python bench/generate.py --rows 10000000 --out data/bench/table-10m.parquet
                             [--source data/raw/adult.csv] [--seed 0] [--chunk-rows 1000000]

Rows are drawn with replacement from the source table, and every number gets a little noise
(5 % of its column's standard deviation, rounded back for integer columns, clipped to the
column's observed range), so the target keeps its signal and the table is not N copies of the
same few thousand rows. Categories and the target are kept as drawn. The table is written in
chunks of `--chunk-rows` rows (one parquet row group each), so memory stays that of one chunk,
whatever `--rows` is. The same source, rows and seed give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

JITTER = 0.05  # of each numeric column's standard deviation


def _read(source: Path, na_values: list[str]) -> pd.DataFrame:
    if source.suffix == ".parquet":
        return pd.read_parquet(source)
    return pd.read_csv(source, na_values=na_values, skipinitialspace=True)


def _schema(frame: pd.DataFrame) -> pa.Schema:
    """Numbers keep their kind (integers stay nullable integers); everything else is a string
    dictionary (a parquet categorical), which is how pandas reads it back compactly."""
    fields = []
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_integer_dtype(dtype):
            fields.append(pa.field(str(name), pa.int64()))
        elif pd.api.types.is_float_dtype(dtype):
            fields.append(pa.field(str(name), pa.float64()))
        else:
            fields.append(pa.field(str(name), pa.dictionary(pa.int32(), pa.string())))
    return pa.schema(fields)


def chunk(
    source: pd.DataFrame, rows: int, rng: np.random.Generator, exclude: set[str]
) -> pd.DataFrame:
    """`rows` rows drawn from `source` with noise on the numbers (not on `exclude`d columns)."""
    drawn = source.iloc[rng.integers(0, len(source), rows)].reset_index(drop=True)
    for name in drawn.columns:
        column = source[name]
        if name in exclude or not pd.api.types.is_numeric_dtype(column):
            continue
        spread = float(column.std()) if column.notna().sum() > 1 else 0.0
        noisy = drawn[name].to_numpy(dtype=np.float64) + rng.normal(0, JITTER * spread, rows)
        noisy = np.clip(noisy, column.min(), column.max())
        if pd.api.types.is_integer_dtype(column):
            drawn[name] = np.rint(noisy).astype(np.int64)
        else:
            drawn[name] = noisy
    return drawn


def generate(
    source: pd.DataFrame,
    rows: int,
    out: Path,
    *,
    seed: int = 0,
    chunk_rows: int = 1_000_000,
    exclude: set[str] | None = None,
) -> None:
    """Write `rows` rows shaped like `source` to the parquet file `out`, one chunk at a time."""
    if rows < 1 or chunk_rows < 1:
        raise ValueError("--rows and --chunk-rows must be at least 1")
    rng = np.random.default_rng(seed)
    schema = _schema(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for start in range(0, rows, chunk_rows):
            part = chunk(source, min(chunk_rows, rows - start), rng, exclude or set())
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--source", type=Path, default=None, help="default: data.path of params")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    import yaml

    data = yaml.safe_load(args.params.read_text())["data"]
    source = args.source or Path(data["path"])
    frame = _read(source, list(data.get("na_values", ["?"])))
    keep = {data["target"], *(data.get("drop") or []), data.get("id_column") or ""}
    generate(frame, args.rows, args.out, seed=args.seed, chunk_rows=args.chunk_rows, exclude=keep)
    print(f"{args.out}: {args.rows:,} rows from {source}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
