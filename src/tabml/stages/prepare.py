"""Stage 1: validate the raw table against its contract, clean it, and split it.

The checks are separate functions so that the `validate` stage can run all of them before DVC
deletes any output (stages/validate.py), and `prepare` runs them again when called on its own.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tabml.config import DataParams, SplitParams
from tabml.contract import Contract, validate
from tabml.errors import TabmlError, count, shown
from tabml.paths import ROW_ID


def check_columns(contract: Contract, data: DataParams, params_file: str = "params.yaml") -> None:
    """Every column that params name must exist in the contract."""
    named = {"data.target": [data.target], "data.drop": data.drop, "data.groups": data.groups}
    if data.id_column is not None:
        named["data.id_column"] = [data.id_column]
    for key, columns in named.items():
        for column in columns:
            if column not in contract.columns:
                raise TabmlError(
                    f"{params_file}: {key} names column {shown(column)}, which the "
                    "contract does not declare"
                )
    if data.target in data.drop or data.target in data.groups:
        raise TabmlError(
            f"{params_file}: data.target {shown(data.target)} cannot also be dropped or used as "
            "a group"
        )


def target_labels(frame: pd.DataFrame, data: DataParams, source: str) -> pd.Series:
    """The target as 0/1, after checking it has the positive label and two classes."""
    labels = frame[data.target].astype(str)
    positive = str(data.positive)
    if not (labels == positive).any():
        raise TabmlError(
            f"{source}: column {shown(data.target)} never has the positive label "
            f"{shown(positive)} (data.positive_label)"
        )
    if labels.nunique() < 2:
        raise TabmlError(f"{source}: column {shown(data.target)} has only one class")
    return (labels == positive).astype(np.int8)


def check_ids(frame: pd.DataFrame, data: DataParams, source: str) -> None:
    """`data.id_column`, when set, must identify each row once."""
    if data.id_column is None:
        return
    duplicates = int(frame[data.id_column].duplicated().sum())
    if duplicates:
        raise TabmlError(
            f"{source}: column {shown(data.id_column)} (data.id_column) has "
            f"{count(duplicates, 'duplicate value', 'duplicate values')}"
        )


def check_split(
    target: pd.Series, name: str, params: SplitParams, params_file: str = "params.yaml"
) -> None:
    """The stratified split needs 2 rows of each class, and room for both classes on each side."""
    if target.value_counts().min() < 2:
        raise TabmlError(f"column {shown(name)} needs at least 2 rows of each class to split")
    rows = len(target)
    test_rows = math.ceil(params.test_size * rows)
    train_rows = math.floor((1 - params.test_size) * rows)
    if min(test_rows, train_rows) < 2:
        raise TabmlError(
            f"{params_file}: split.test_size {shown(params.test_size)} leaves {test_rows} test "
            f"and {train_rows} train rows of {rows}; each side needs at least 2 (one per class)"
        )


def empty_columns(frame: pd.DataFrame, data: DataParams) -> list[str]:
    """Columns (not dropped by `data.drop`) whose every value is missing: they train silently
    on nothing, so the prepare output and the PR report warn about them."""
    return [str(c) for c in frame.columns if c not in data.drop and frame[c].isna().all()]


def empty_warning(columns: list[str], source: str) -> str:
    """One sentence naming the entirely missing columns (the first five, then a count)."""
    names = ", ".join(shown(column) for column in columns[:5])
    if len(columns) > 5:
        names += f" and {len(columns) - 5} more"
    if len(columns) == 1:
        return f"{source}: column {names} is entirely missing; the model learns nothing from it"
    return f"{source}: columns {names} are entirely missing; the model learns nothing from them"


def clean(frame: pd.DataFrame, data: DataParams, source: str) -> pd.DataFrame:
    """Drop unused columns, encode the target as 0/1 and add a stable `row_id`."""
    target = target_labels(frame, data, source)
    check_ids(frame, data, source)
    out = frame.drop(columns=data.drop)
    out[data.target] = target
    if data.id_column is None:
        out.insert(0, ROW_ID, np.arange(len(out), dtype=np.int64))
    else:
        out.insert(0, ROW_ID, out.pop(data.id_column).to_numpy())
    return out.reset_index(drop=True)


def split(
    frame: pd.DataFrame, target: str, params: SplitParams, params_file: str = "params.yaml"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stratified, seeded train/test split."""
    from sklearn.model_selection import train_test_split  # not imported by `tabml validate`

    check_split(frame[target], target, params, params_file)
    train, test = train_test_split(
        frame, test_size=params.test_size, random_state=params.seed, stratify=frame[target]
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def check_all(
    raw: pd.DataFrame,
    contract: Contract,
    data: DataParams,
    params: SplitParams,
    source: str,
    *,
    params_file: str = "params.yaml",
) -> list[str]:
    """Every check of `prepare`, without copying the table; returns its empty columns.

    `raw` is coerced in place to the contract's types: callers only check, never reuse it.
    """
    check_columns(contract, data, params_file)
    valid = validate(raw, contract, source, inplace=True)
    check_split(target_labels(valid, data, source), data.target, params, params_file)
    check_ids(valid, data, source)
    return empty_columns(valid, data)


def prepare(
    raw: pd.DataFrame,
    contract: Contract,
    data: DataParams,
    params: SplitParams,
    source: str,
    *,
    params_file: str = "params.yaml",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate, clean and split the raw table into train and test frames."""
    check_columns(contract, data, params_file)
    valid = validate(raw, contract, source)
    return split(clean(valid, data, source), data.target, params, params_file)
