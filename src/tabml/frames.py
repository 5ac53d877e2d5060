"""The in-memory form of text columns: pandas categoricals whose categories are Python strings.

Text columns are few distinct values repeated over many rows, so the stages keep them as
categoricals: one small integer code per row instead of one string, a third of the memory of the
prepared splits and half of featurize's time at a million rows (docs/scaling.md).

pandas 3 infers Arrow-backed categories; scikit-learn's encoders turn a categorical column into
a numpy object array through its categories, and with Arrow categories every row becomes a new
Python string (about 430 MB for nine columns of 800k rows). With object categories every row
refers to one of the few shared strings, and the encoders learn exactly what they learn from the
plain text column, so the model file's bytes do not change.
"""

from __future__ import annotations

import pandas as pd


def as_category(column: pd.Series) -> pd.Series:
    """`column` as a categorical with object (Python string) categories; missing stays missing.

    Categories are the sorted distinct values (those of an existing categorical are kept)."""
    categorical = pd.Categorical(column)
    categories = pd.Index(list(categorical.categories), dtype=object)
    codes = pd.Categorical.from_codes(categorical.codes, categories=categories)
    return pd.Series(codes, index=column.index, name=column.name)


def python_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Give every categorical column of `frame` object categories, in place (codes are reused:
    no copy of the rows); returns `frame`. Used where parquet is read."""
    for name in frame.columns:
        dtype = frame[name].dtype
        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype != object:
            frame[name] = as_category(frame[name])
    return frame


def text_as_categories(frame: pd.DataFrame, skip: set[str]) -> pd.DataFrame:
    """Every text (non-numeric) column of `frame` but `skip` as `as_category`, in place."""
    for name in frame.columns:
        if name not in skip and not pd.api.types.is_numeric_dtype(frame[name]):
            frame[name] = as_category(frame[name])
    return frame
