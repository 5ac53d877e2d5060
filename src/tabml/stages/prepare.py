"""Stage 1: validate the raw table against its contract, clean it, and split it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from tabml.config import DataParams, SplitParams
from tabml.contract import Contract, validate
from tabml.errors import TabmlError
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
                    f"{params_file}: {key} names column '{column}', which the "
                    "contract does not declare"
                )
    if data.target in data.drop or data.target in data.groups:
        raise TabmlError(
            f"{params_file}: data.target '{data.target}' cannot also be dropped or used as a group"
        )


def clean(frame: pd.DataFrame, data: DataParams, source: str) -> pd.DataFrame:
    """Drop unused columns, encode the target as 0/1 and add a stable `row_id`."""
    labels = frame[data.target].astype(str)
    positive = str(data.positive_label)
    if not (labels == positive).any():
        raise TabmlError(
            f"{source}: column '{data.target}' never has the positive label "
            f"{positive!r} (data.positive_label)"
        )
    if labels.nunique() < 2:
        raise TabmlError(f"{source}: column '{data.target}' has only one class")
    out = frame.drop(columns=data.drop)
    out[data.target] = (labels == positive).astype(np.int8)
    if data.id_column is None:
        out.insert(0, ROW_ID, np.arange(len(out), dtype=np.int64))
    else:
        ids = out.pop(data.id_column)
        if ids.duplicated().any():
            raise TabmlError(
                f"{source}: column '{data.id_column}' (data.id_column) has "
                f"{int(ids.duplicated().sum())} duplicate values"
            )
        out.insert(0, ROW_ID, ids.to_numpy())
    return out.reset_index(drop=True)


def split(
    frame: pd.DataFrame, target: str, params: SplitParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stratified, seeded train/test split."""
    counts = frame[target].value_counts()
    if counts.min() < 2:
        raise TabmlError(f"column '{target}' needs at least 2 rows of each class to split")
    train, test = train_test_split(
        frame, test_size=params.test_size, random_state=params.seed, stratify=frame[target]
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def prepare(
    raw: pd.DataFrame, contract: Contract, data: DataParams, params: SplitParams, source: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate, clean and split the raw table into train and test frames."""
    check_columns(contract, data)
    valid = validate(raw, contract, source)
    return split(clean(valid, data, source), data.target, params)
