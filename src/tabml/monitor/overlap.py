"""Current rows that are training rows: the model has seen them, so its metrics on them are
inflated (a held-out AUC of 0.93 can read 0.97) and their drift is no news. The report warns.

Two tests: the same row id (`data.id_column`, when the current data has it) as a training row, and
a row identical in every column to a raw training row (all raw columns, so that rows which merely
share their model inputs, common in tables of few categorical columns, are not counted).
"""

from __future__ import annotations

import pandas as pd

from tabml.contract import Contract
from tabml.monitor.checks import Json, number
from tabml.paths import ROW_ID

# Warn when at least this share of the current rows are training rows: a handful of natural
# duplicates in a large table is no leak.
WARN_SHARE = 0.01
_MISSING = "\0missing"


def training_rows(raw: pd.DataFrame, train_ids: pd.Series, id_column: str | None) -> pd.DataFrame:
    """The raw rows of the training split (`row_id` is the id column or the raw row number)."""
    if id_column is None:
        positions = train_ids[(train_ids >= 0) & (train_ids < len(raw))].to_numpy()
        return raw.iloc[sorted(positions)]
    return raw[raw[id_column].astype(str).isin(set(train_ids.astype(str)))]


def row_keys(frame: pd.DataFrame, columns: list[str], contract: Contract) -> pd.Series:
    """One hash per row over `columns`, with numbers compared as numbers and the rest as text."""
    parts: dict[str, pd.Series] = {}
    for name in columns:
        spec = contract.columns.get(name)
        values = frame[name]
        if (spec is None and pd.api.types.is_numeric_dtype(values)) or (
            spec is not None and spec.type != "category"
        ):
            parts[name] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            parts[name] = values.astype("string").fillna(_MISSING).astype(str)
    return pd.util.hash_pandas_object(pd.DataFrame(parts), index=False)


def find_overlap(
    reference_ids: pd.Series,
    training: pd.DataFrame | None,
    current: pd.DataFrame,
    *,
    contract: Contract,
    id_column: str | None,
) -> Json:
    """How many current rows have a training row's id, or equal a raw training row."""
    same_id: int | None = None
    if id_column is not None and id_column in current.columns:
        ids = set(reference_ids.astype(str))
        same_id = int(current[id_column].dropna().astype(str).isin(ids).sum())
    identical: int | None = None
    if training is not None:
        shared = [name for name in training.columns if name in current.columns]
        if shared:
            known = set(row_keys(training, shared, contract))
            identical = int(row_keys(current, shared, contract).isin(known).sum())
    rows = len(current)
    worst = max(same_id or 0, identical or 0)
    return {
        "same_id_rows": same_id,
        "identical_rows": identical,
        "share": number(worst / rows if rows else 0.0),
        "warning": rows > 0 and worst / rows >= WARN_SHARE,
    }


def overlap_warning(found: Json) -> str | None:
    """The sentence for the report and stderr, when the overlap reaches `WARN_SHARE`."""
    if not found["warning"]:
        return None
    counts = []
    if found["same_id_rows"]:
        counts.append(f"{found['same_id_rows']:,} have a training row's id")
    if found["identical_rows"]:
        counts.append(f"{found['identical_rows']:,} are identical to training rows")
    return (
        f"current rows overlap the training data ({' and '.join(counts)}; {found['share']:.1%} of "
        "rows): the model has seen them, so performance on them is inflated. Monitor rows the "
        f"model never trained on (`tabml monitor batches` draws held-out rows; {ROW_ID}s of the "
        "training split are in data/prepared/train.parquet)"
    )
