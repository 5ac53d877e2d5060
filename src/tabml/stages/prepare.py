"""Stage 1: validate the raw table against its contract, clean it, and split it.

The target is checked against `data.task` and encoded for it (binary 0/1, multiclass class
codes, regression numbers); classification splits are stratified, regression splits are not.

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
from tabml.frames import text_as_categories
from tabml.paths import CLASSES, ROW_ID
from tabml.stages.split import split_frame


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


MAX_CLASSES = 50  # more distinct values than this is rarely a class: say so instead of fitting


def target_labels(frame: pd.DataFrame, data: DataParams, source: str) -> pd.Series:
    """The target as `data.task` learns it: binary 0/1, multiclass class codes, regression
    numbers; one sentence naming the column when it does not fit the task."""
    return encode_target(frame, data, source)[0]


def encode_target(
    frame: pd.DataFrame, data: DataParams, source: str
) -> tuple[pd.Series, list[str]]:
    """The prepared target and the class list (strings; code i is classes[i]; [] for
    regression). Binary keeps 0/1 with `data.positive_label` as class 1."""
    column = frame[data.target]
    where = f"{source}: column {shown(data.target)}"
    if data.task == "regression":
        return _numbers(column, where), []
    # The distinct values as text, and each row's index into them (-1: missing): the rows are
    # never turned into strings one by one, which costs seconds and gigabytes at 10M rows.
    codes, uniques = pd.factorize(column)
    if data.task == "multiclass" and (codes < 0).any():
        missing = int((codes < 0).sum())
        raise TabmlError(
            f"{where} has {count(missing, 'missing value', 'missing values')}; every row needs "
            "a class for data.task 'multiclass'"
        )
    names = [str(value) for value in uniques]
    values = sorted(set(names))
    if len(values) < 2:
        raise TabmlError(f"{where} has only one class")
    if data.task == "binary":
        labels, classes = _binary(codes, names, values, data, where)
        return pd.Series(labels, index=frame.index), classes
    if len(values) > MAX_CLASSES:
        raise TabmlError(
            f"{where} has {len(values)} classes, more than the {MAX_CLASSES} data.task "
            "'multiclass' allows (is it a number to predict with data.task 'regression'?)"
        )
    position = np.searchsorted(values, names)
    return pd.Series(position[codes], index=frame.index).astype(np.int64), values


def _binary(
    codes: np.ndarray, names: list[str], values: list[str], data: DataParams, where: str
) -> tuple[np.ndarray, list[str]]:
    positive = str(data.positive)
    if positive not in values:
        raise TabmlError(
            f"{where} never has the positive label {shown(positive)} (data.positive_label)"
        )
    if len(values) > 2:
        raise TabmlError(
            f"{where} has {len(values)} values ({', '.join(shown(v) for v in values[:5])}"
            f"{', ...' if len(values) > 5 else ''}); data.task 'binary' needs exactly two "
            "(use 'multiclass')"
        )
    other = next(value for value in values if value != positive)
    is_positive = np.append(np.asarray(names) == positive, False)  # code -1 (missing): not positive
    return is_positive[codes].astype(np.int8), [other, positive]


def _numbers(column: pd.Series, where: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        example = column.dropna().iloc[0] if column.notna().any() else None
        raise TabmlError(
            f"{where} is not numeric (e.g. {shown(example)}); data.task 'regression' needs a "
            "number on every row"
        )
    missing = int(column.isna().sum())
    if missing:
        raise TabmlError(
            f"{where} has {count(missing, 'missing value', 'missing values')}; data.task "
            "'regression' needs a number on every row"
        )
    return column.astype(np.float64)


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
    target: pd.Series,
    name: str,
    params: SplitParams,
    params_file: str = "params.yaml",
    stratify: bool = True,
) -> None:
    """The stratified split needs 2 rows of each class, and room for every class on each side;
    a plain split (regression) needs 2 rows on each side."""
    counts = target.value_counts()
    if stratify and counts.min() < 2:
        raise TabmlError(f"column {shown(name)} needs at least 2 rows of each class to split")
    rows = len(target)
    test_rows = math.ceil(params.test_size * rows)
    train_rows = math.floor((1 - params.test_size) * rows)
    need = max(len(counts), 2) if stratify else 2
    if min(test_rows, train_rows) < need:
        raise TabmlError(
            f"{params_file}: split.test_size {shown(params.test_size)} leaves {test_rows} test "
            f"and {train_rows} train rows of {rows}; each side needs at least {need}"
            + (" (one per class)" if stratify else "")
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
    """Drop unused columns, encode the target for the task, keep text as categoricals
    (tabml.frames: a code per row, not a string) and add a stable `row_id`.

    The class list rides along in `attrs` (and the parquet file): the train stage fits on the
    class names, so the model file carries them, and evaluate names the classes in its plots."""
    target, classes = encode_target(frame, data, source)
    check_ids(frame, data, source)
    out = frame.drop(columns=[column for column in data.drop if column in frame])
    out[data.target] = target
    text_as_categories(out, skip={data.target})
    if classes:
        out.attrs[CLASSES] = classes
    if data.id_column is None:
        out.insert(0, ROW_ID, np.arange(len(out), dtype=np.int64))
    else:
        out.insert(0, ROW_ID, out.pop(data.id_column).to_numpy())
    return out.reset_index(drop=True)


def split(
    frame: pd.DataFrame,
    target: str,
    params: SplitParams,
    params_file: str = "params.yaml",
    stratify: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded train/test split, stratified by class for classification (stages/split.py);
    both halves keep the class list in `attrs`."""
    check_split(frame[target], target, params, params_file, stratify)
    return split_frame(frame, target, params.test_size, params.seed, stratify)


def read_contract(contract: Contract, raw: pd.DataFrame, data: DataParams) -> Contract:
    """The contract without the `data.drop` columns that `raw` was read without."""
    absent = {column for column in data.drop if column not in raw.columns}
    if not absent:
        return contract
    kept = {name: spec for name, spec in contract.columns.items() if name not in absent}
    return Contract(columns=kept)


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
    stratify = data.task != "regression"
    check_split(target_labels(valid, data, source), data.target, params, params_file, stratify)
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
    inplace: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate, clean and split the raw table into train and test frames.

    `raw` may lack the `data.drop` columns (read without them: the validate stage checked
    them); `inplace` coerces `raw` itself instead of a copy, for a caller that drops it after.
    """
    check_columns(contract, data, params_file)
    valid = validate(raw, read_contract(contract, raw, data), source, inplace=inplace)
    cleaned = clean(valid, data, source)
    return split(cleaned, data.target, params, params_file, data.task != "regression")
