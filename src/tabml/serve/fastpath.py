"""The fast path for small batches: validated records to the model's output without pandas.

On one row the pipeline spends about 7 ms building a DataFrame and running the ColumnTransformer
and 3.5 ms calling 200 trees one by one (`bench/serve.py`). The fast path builds the final
estimator's input array directly and scores it with `fastmodel`. It is compiled once, when the
model is loaded, from the fitted featurizer itself:

- numeric columns: the featurizer must impute (`SimpleImputer`) and/or scale (`StandardScaler`)
  them; the fast path does the same float64 arithmetic with `statistics_`, `mean_` and `scale_`.
- category columns: a column takes finitely many kinds of value (each category the encoder or
  the contract knows, missing, and "unseen", which every unknown value is treated as), so the
  pipeline itself is run on one probe frame holding each of them, and its output is the lookup
  table. Infrequent, unknown and missing categories thus come out exactly as the encoders (and
  the gradient-boosting model's own category encoding) make them.
- each output column must come from one input column (probing finds which), and a last check
  compares the fast path's arrays and probabilities with the pipeline on every probe row.

Anything else (another transformer, an estimator other than HistGradientBoosting, logistic
regression or ridge fitted for the served task, a failed check) is `UnsupportedError`: the server
then always uses the pipeline and says why in /metadata and its log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from tabml.metrics import Task
from tabml.serve.fastmodel import CompiledLinear, CompiledModel, UnsupportedError, compile_model
from tabml.serve.tasks import pipeline_output

# Batches of at most this many rows take the fast path, larger ones the pipeline: the trees'
# walk grows with rows x trees, and by 256 rows the two cost the same (`bench/serve.py`).
FAST_MAX_ROWS = 128
TOLERANCE = 1e-9
_NUMBER_PROBES = (None, 0.0, 1.0, -2.5, 1234.5)
_CATEGORY_STEPS = (SimpleImputer, OrdinalEncoder, OneHotEncoder)

Row = Sequence[Any]


def frame(columns: Sequence[str], numeric: set[str], rows: Sequence[Row]) -> pd.DataFrame:
    """The pipeline's input frame: numbers as float64 (None -> NaN), categories as objects."""
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pd.DataFrame(
        {
            column: np.array(column_values, dtype=np.float64 if column in numeric else object)
            for column, column_values in zip(columns, values, strict=True)
        }
    )


@dataclass(frozen=True)
class _Category:
    """One category column: the output columns it decides and their value for each kind."""

    source: int
    targets: np.ndarray
    lookup: dict[str | None, int]
    unseen: int
    table: np.ndarray


class FastPath:
    """Scores rows (feature values in request order) like the pipeline, without pandas."""

    def __init__(
        self,
        model: CompiledModel,
        constant: np.ndarray,
        numbers: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        categories: list[_Category],
        description: str,
    ) -> None:
        self.model = model
        self.constant = constant
        self.sources, self.targets, self.fill, self.mean, self.scale = numbers
        self.categories = categories
        self.description = description

    def encode(self, rows: Sequence[Row]) -> np.ndarray:
        """The final estimator's input for `rows`, as the pipeline would build it."""
        x = np.repeat(self.constant[None, :], len(rows), axis=0)
        if len(self.sources):
            numbers = np.array([[row[i] for i in self.sources] for row in rows], dtype=np.float64)
            numbers = np.where(np.isnan(numbers), self.fill, numbers)
            x[:, self.targets] = (numbers - self.mean) / self.scale
        for category in self.categories:
            lookup, unseen, source = category.lookup, category.unseen, category.source
            kinds = [lookup.get(row[source], unseen) for row in rows]
            x[:, category.targets] = category.table[kinds]
        return x

    def predict(self, rows: Sequence[Row]) -> np.ndarray | None:
        """The task's output (`tabml.serve.tasks`), or None where only the pipeline can answer:
        a linear model given a missing value, which the pipeline refuses with its own error."""
        x = self.encode(rows)
        if isinstance(self.model, CompiledLinear) and np.isnan(x).any():
            return None
        return self.model.output(x)


def _numeric_steps(steps: Sequence[Any], column: str, k: int) -> tuple[float, float, float]:
    """(fill, mean, scale) for column `k` of a chain of at most one imputer, then one scaler."""
    fill, mean, scale = np.nan, 0.0, 1.0
    kinds = [type(step) for step in steps]
    if kinds not in ([SimpleImputer], [StandardScaler], [SimpleImputer, StandardScaler]):
        names = ", ".join(kind.__name__ for kind in kinds)
        raise UnsupportedError(f"column '{column}' goes through {names}")
    for step in steps:
        if isinstance(step, SimpleImputer):
            if step.add_indicator or not _is_nan(step.missing_values):
                raise UnsupportedError(f"column '{column}' has an imputer with other settings")
            fill = float(step.statistics_[k])
        else:
            mean = float(step.mean_[k]) if step.with_mean else 0.0
            scale = float(step.scale_[k]) if step.with_std else 1.0
    return fill, mean, scale


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and np.isnan(value)


def _read_featurizer(
    featurizer: Any, columns: Sequence[str], numeric: set[str]
) -> tuple[dict[str, tuple[float, float, float]], dict[str, list[str]]]:
    """Numeric columns' arithmetic and category columns' known categories, or unsupported."""
    if type(featurizer) is not ColumnTransformer:
        raise UnsupportedError(f"the featurizer is a {type(featurizer).__name__}")
    arithmetic: dict[str, tuple[float, float, float]] = {}
    known: dict[str, list[str]] = {}
    for name, transformer, selected in featurizer.transformers_:
        if transformer == "drop":
            continue
        if not isinstance(selected, list) or not set(selected) <= set(columns):
            raise UnsupportedError(f"the featurizer's '{name}' part takes other columns")
        pipeline = type(transformer) is Pipeline
        steps = [step for _, step in transformer.steps] if pipeline else [transformer]
        for k, column in enumerate(selected):
            if column in arithmetic or column in known:
                raise UnsupportedError(f"column '{column}' is transformed twice")
            if column in numeric:
                arithmetic[column] = _numeric_steps(steps, column, k)
                continue
            if not all(type(step) in _CATEGORY_STEPS for step in steps):
                raise UnsupportedError(f"category column '{column}' has an unsupported step")
            encoders = [step for step in steps if hasattr(step, "categories_")]
            seen = encoders[-1].categories_[k] if encoders else []
            known[column] = [value for value in seen if isinstance(value, str)]
    return arithmetic, known


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise equality where NaN equals NaN."""
    result: np.ndarray = (a == b) | (np.isnan(a) & np.isnan(b))
    return result


def compile_fast_path(
    estimator: Any,
    columns: Sequence[str],
    numeric: set[str],
    categories: Mapping[str, Sequence[str]],
    task: Task = "binary",
) -> FastPath:
    """The fast path for a fitted featurizer + model pipeline, or `UnsupportedError`."""
    if type(estimator) is not Pipeline or len(estimator.steps) != 2:
        raise UnsupportedError(f"the model is a {type(estimator).__name__}, not featurizer + model")
    featurizer, final = estimator.steps[0][1], estimator.steps[1][1]
    model = compile_model(final, task)
    arithmetic, known = _read_featurizer(featurizer, columns, numeric)
    probes = _probes(columns, numeric, {c: [*categories.get(c, []), *known[c]] for c in known})
    try:
        probe_rows = [row for rows in probes.values() for row in rows]
        encoded = model.prepare(featurizer.transform(frame(columns, numeric, probe_rows)))
    except Exception as error:  # a model the pipeline itself cannot run: the warm-up says so
        raise UnsupportedError(f"the pipeline failed on probe rows ({error})") from None
    if encoded.shape[1] != model.n_features:
        raise UnsupportedError("the featurizer's output does not fit the model")
    fast = _assemble(model, encoded, probes, numeric, arithmetic)
    _check(fast, estimator, probes, numeric, encoded, task=task)
    return fast


def _probes(
    columns: Sequence[str], numeric: set[str], categories: Mapping[str, list[str]]
) -> dict[str, list[tuple[Any, ...]]]:
    """Rows that vary one column at a time from a reference row (the first row of all)."""
    values: dict[str, list[Any]] = {}
    for column in columns:
        if column in numeric:
            values[column] = list(_NUMBER_PROBES)
            continue
        kinds = list(dict.fromkeys(categories.get(column, [])))
        unseen = "\x00unseen"
        while unseen in kinds:
            unseen += "'"
        values[column] = [*kinds, None, unseen]
    reference = tuple(values[column][0] for column in columns)
    probes: dict[str, list[tuple[Any, ...]]] = {}
    for i, column in enumerate(columns):
        probes[column] = [(*reference[:i], value, *reference[i + 1 :]) for value in values[column]]
    return probes


def _assemble(
    model: CompiledModel,
    encoded: np.ndarray,
    probes: Mapping[str, list[tuple[Any, ...]]],
    numeric: set[str],
    arithmetic: Mapping[str, tuple[float, float, float]],
) -> FastPath:
    """Attribute each output column to the one input column that moves it; build the tables."""
    columns = list(probes)
    reference = encoded[0]
    blocks, start = {}, 0
    for column in columns:
        blocks[column] = encoded[start : start + len(probes[column])]
        start += len(probes[column])
    moved = {c: np.flatnonzero(~_same(block, reference).all(axis=0)) for c, block in blocks.items()}
    owners = np.zeros(len(reference), dtype=int)
    for targets in moved.values():
        owners[targets] += 1
    if (owners > 1).any():
        raise UnsupportedError("an output column of the featurizer depends on several columns")
    number_columns: list[list[float]] = []
    categories: list[_Category] = []
    for i, column in enumerate(columns):
        targets = moved[column]
        if column in numeric and len(targets):
            if len(targets) != 1 or column not in arithmetic:
                raise UnsupportedError(f"column '{column}' is not imputed and scaled")
            fill, mean, scale = arithmetic[column]
            number_columns.append([i, targets[0], fill, mean, scale])
        elif len(targets):
            kinds = [row[i] for row in probes[column]]
            lookup = {kind: k for k, kind in enumerate(kinds[:-1])}
            table = blocks[column][:, targets].copy()
            categories.append(_Category(i, targets, lookup, len(kinds) - 1, table))
    table = np.array(number_columns, dtype=np.float64).reshape(-1, 5)
    numbers = (
        table[:, 0].astype(np.intp),
        table[:, 1].astype(np.intp),
        table[:, 2].copy(),
        table[:, 3].copy(),
        table[:, 4].copy(),
    )
    description = (
        f"{len(number_columns)} numeric and {len(categories)} category columns encoded "
        f"directly, {model.summary}"
    )
    return FastPath(model, reference.copy(), numbers, categories, description)


def _check(
    fast: FastPath,
    estimator: Any,
    probes: Mapping[str, list[tuple[Any, ...]]],
    numeric: set[str],
    encoded: np.ndarray,
    *,
    task: Task,
) -> None:
    """The fast path must give the pipeline's arrays exactly and its output to 1e-9."""
    probe_rows = [row for rows in probes.values() for row in rows]
    mine = fast.encode(probe_rows)
    if not _same(mine, encoded).all():
        raise UnsupportedError("the fast path's input differs from the pipeline's on probe rows")
    usable = ~np.isnan(mine).any(axis=1) if isinstance(fast.model, CompiledLinear) else None
    rows = (
        probe_rows
        if usable is None
        else [r for r, ok in zip(probe_rows, usable, strict=True) if ok]
    )
    if not rows:
        return
    expected = pipeline_output(estimator, frame(list(probes), numeric, rows), task)
    got = fast.model.output(mine if usable is None else mine[usable])
    if got.shape != expected.shape:
        raise UnsupportedError(f"the fast path's output is {got.shape}, not {expected.shape}")
    # Relative beyond 1, so a regression's large values get the same 1e-9 as probabilities.
    worst = float(np.max(np.abs(got - expected) / np.maximum(1.0, np.abs(expected))))
    if not worst <= TOLERANCE:
        raise UnsupportedError(f"the fast path's scores differ from the pipeline's by {worst:.2g}")
