"""reports/predictions.csv of one revision, read per task into bootstrap samples.

The columns are the stages' shared format (docs/design.md): binary `label,score,predicted` (0/1
and P(positive)); multiclass class NAMES in `label,predicted` and one `score:<class>` column per
class, whose order is the class list; regression numbers in `label,predicted`. The trivial
baseline's columns have the same shapes with a `baseline_` prefix. A file that does not follow
it is refused with one sentence naming the file and the column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tabml import paths
from tabml.compare.sample import Array, Sample
from tabml.errors import TabmlError
from tabml.metrics import Task

SCORE_PREFIX = f"{paths.SCORE}:"
BASELINE_SCORE_PREFIX = f"{paths.BASELINE_SCORE}:"
# Read as text whatever they look like: class names such as "01" must stay as written.
TEXT_COLUMNS = {paths.LABEL: str, paths.PREDICTED: str, paths.BASELINE_PREDICTED: str}


def read_predictions(source: Any, task: Task) -> pd.DataFrame:
    """A predictions table (a path or a buffer) for `task`: multiclass class names as text, as
    written; binary and regression columns as the CSV reader parses numbers, which on millions of
    rows is many times faster than parsing text later (anything else is refused later, by name).
    """
    return pd.read_csv(source, dtype=TEXT_COLUMNS if task == "multiclass" else None)


def classes(frame: pd.DataFrame) -> list[str]:
    """The class list of a multiclass predictions table: its `score:<class>` columns in order."""
    return [str(c)[len(SCORE_PREFIX) :] for c in frame.columns if str(c).startswith(SCORE_PREFIX)]


def _column(frame: pd.DataFrame, name: str, where: str) -> pd.Series:
    if name not in frame.columns:
        raise TabmlError(f"{where}: column '{name}' is missing")
    return frame[name]


def _numbers(frame: pd.DataFrame, name: str, where: str) -> Array:
    values = pd.to_numeric(_column(frame, name, where), errors="coerce").to_numpy(np.float64)
    if not np.isfinite(values).all():
        raise TabmlError(f"{where}: column '{name}' has a value that is not a finite number")
    return values


def _binary(frame: pd.DataFrame, name: str, where: str) -> Array:
    values = _numbers(frame, name, where)
    if not np.isin(values, (0, 1)).all():
        raise TabmlError(f"{where}: column '{name}' must hold 0 or 1 (binary task)")
    return values.astype(np.int64)


def _codes(frame: pd.DataFrame, name: str, known: list[str], where: str) -> Array:
    text = _column(frame, name, where).astype("string")
    index = {label: code for code, label in enumerate(known)}
    codes = text.map(index)
    if codes.isna().any():
        value = str(text[codes.isna()].iloc[0])[:40]
        raise TabmlError(
            f"{where}: column '{name}' has class '{value}', which no '{SCORE_PREFIX}<class>' "
            "column names"
        )
    return codes.to_numpy(np.int64)


def _matrix(frame: pd.DataFrame, prefix: str, known: list[str], where: str) -> Array:
    columns = [_numbers(frame, f"{prefix}{label}", where) for label in known]
    matrix = np.column_stack(columns) if columns else np.empty((len(frame), 0))
    if ((matrix < 0) | (matrix > 1)).any():
        raise TabmlError(f"{where}: a '{prefix}<class>' column holds a value outside [0, 1]")
    return matrix


def _known(frame: pd.DataFrame, where: str) -> list[str]:
    known = classes(frame)
    if len(known) < 2 or len(set(known)) != len(known):
        raise TabmlError(
            f"{where}: a multiclass table needs one '{SCORE_PREFIX}<class>' column per class "
            f"(found {len(known)}, {len(set(known))} distinct)"
        )
    return known


def model_sample(frame: pd.DataFrame, task: Task, where: str) -> Sample:
    """The model's scored rows: labels, scores and predictions in the registry's shapes."""
    if task == "binary":
        labels = _binary(frame, paths.LABEL, where)
        scores = _numbers(frame, paths.SCORE, where)
        return Sample(labels, scores, _binary(frame, paths.PREDICTED, where))
    if task == "regression":
        predicted = _numbers(frame, paths.PREDICTED, where)
        return Sample(_numbers(frame, paths.LABEL, where), predicted, predicted, task)
    known = _known(frame, where)
    labels = _codes(frame, paths.LABEL, known, where)
    predicted = _codes(frame, paths.PREDICTED, known, where)
    return Sample(labels, _matrix(frame, SCORE_PREFIX, known, where), predicted, task)


def has_baseline(frame: pd.DataFrame, task: Task) -> bool:
    """Whether evaluate wrote the trivial baseline's columns (a predictions file from before
    the baseline existed has none)."""
    if paths.BASELINE_PREDICTED not in frame.columns or frame.empty:
        return False
    if task == "binary":
        return paths.BASELINE_SCORE in frame.columns
    if task == "multiclass":
        return any(str(c).startswith(BASELINE_SCORE_PREFIX) for c in frame.columns)
    return True


def baseline_sample(frame: pd.DataFrame, task: Task, where: str) -> Sample:
    """The trivial baseline's scored rows (check `has_baseline` first)."""
    model = model_sample(frame, task, where)
    if task == "binary":
        scores = _numbers(frame, paths.BASELINE_SCORE, where)
        return Sample(model.labels, scores, _binary(frame, paths.BASELINE_PREDICTED, where))
    if task == "regression":
        predicted = _numbers(frame, paths.BASELINE_PREDICTED, where)
        return Sample(model.labels, predicted, predicted, task)
    known = _known(frame, where)
    predicted = _codes(frame, paths.BASELINE_PREDICTED, known, where)
    return Sample(
        model.labels, _matrix(frame, BASELINE_SCORE_PREFIX, known, where), predicted, task
    )
