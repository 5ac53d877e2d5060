"""The data contract: column names, types, ranges, allowed categories and nullability.

The contract is a small YAML file that `params.yaml` points to (`data.contract`). It is compiled
into a pandera schema; pandera's failure cases are turned into one sentence naming the column and
the rule, e.g. ``data/raw/adult.csv: column 'age' has 3 values below 0``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from tabml.errors import TabmlError, count, first_problem, shown

_PANDAS_DTYPE = {"integer": "Int64", "number": "float64", "category": "str"}


class ColumnSpec(BaseModel):
    """One column of the contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["integer", "number", "category"]
    nullable: bool = False
    min: int | float | None = None
    max: int | float | None = None
    categories: list[str] | None = None

    @model_validator(mode="after")
    def _rules_fit_type(self) -> ColumnSpec:
        if self.type == "category" and (self.min is not None or self.max is not None):
            raise ValueError("min/max apply to integer and number columns only")
        if self.type != "category" and self.categories is not None:
            raise ValueError("categories apply to category columns only")
        return self


class Contract(BaseModel):
    """All columns of a table, in order. Columns not listed here are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, ColumnSpec]

    def categorical(self) -> list[str]:
        """Names of the category columns."""
        return [name for name, spec in self.columns.items() if spec.type == "category"]

    def read_dtypes(self) -> dict[str, str]:
        """dtypes to read a CSV with, so that category codes like '01' stay text."""
        return dict.fromkeys(self.categorical(), "str")


def load_contract(path: Path) -> Contract:
    """Read a contract YAML file; every problem is one sentence naming the file and column."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TabmlError(f"{path}: contract file not found") from None
    except yaml.YAMLError:
        raise TabmlError(f"{path}: not valid YAML") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict) or not raw["columns"]:
        raise TabmlError(f"{path}: expected a 'columns' mapping of column name to its rules")
    try:
        return Contract.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        raise TabmlError(f"{path}: key '{key}': {message}") from None


def to_schema(contract: Contract, frame: pd.DataFrame | None = None) -> pa.DataFrameSchema:
    """Compile the contract into a pandera schema that coerces to the declared types.

    A category column that is already a pandas categorical in `frame` (parquet's dictionary
    columns) stays one: coercing it to text would write out one string per row (tabml.frames)."""
    columns = {}
    for name, spec in contract.columns.items():
        dtype = _PANDAS_DTYPE[spec.type]
        if spec.type == "category" and frame is not None and name in frame:
            dtype = "category" if isinstance(frame[name].dtype, pd.CategoricalDtype) else dtype
        checks = []
        if spec.min is not None:
            checks.append(pa.Check.ge(spec.min))
        if spec.max is not None:
            checks.append(pa.Check.le(spec.max))
        if spec.categories is not None:
            checks.append(pa.Check.isin(spec.categories))
        if spec.type == "number":  # "inf" or a 400-digit number parses as infinity
            checks.append(pa.Check(lambda s: ~np.isinf(s), name="finite"))
        columns[name] = pa.Column(dtype, checks=checks, nullable=spec.nullable, coerce=True)
    return pa.DataFrameSchema(columns, strict=True, ordered=False)


def _phrase(check: str, n: int, example: object) -> str | None:
    """Describe one failed pandera check; None for follow-on failures not worth reporting."""
    if check.startswith("coerce_dtype"):
        if "Int64" in check:
            kind = count(n, "value that is not an integer", "values that are not integers")
        else:
            kind = count(n, "value that is not a number", "values that are not numbers")
        return f"has {kind} (e.g. {shown(example)})"
    values = count(n, "value", "values")
    if check == "finite":
        return f"has {count(n, 'infinite value', 'infinite values')} (e.g. {shown(example)})"
    if check == "not_nullable":
        return f"has {count(n, 'missing value', 'missing values')} but the contract allows none"
    if check.startswith("greater_than_or_equal_to("):
        return f"has {values} below {check[len('greater_than_or_equal_to(') : -1]}"
    if check.startswith("less_than_or_equal_to("):
        return f"has {values} above {check[len('less_than_or_equal_to(') : -1]}"
    if check.startswith("isin("):
        return f"has {values} outside its allowed categories (e.g. {shown(example)})"
    return None


def _uncastable(series: pd.Series, kind: str) -> pd.Series:
    """The values of `series` that are not numbers, or not whole numbers for integers."""
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna() | (numbers % 1 != 0) if kind == "integer" else numbers.isna()
    return series[series.notna() & bad]


def explain(failures: pd.DataFrame, contract: Contract, frame: pd.DataFrame) -> list[str]:
    """Turn pandera's failure-case table into sentences, in contract column order.

    A float column cast to integers fails as a whole (pandera reports one NaN, no row); the
    offending values are then found in `frame`, so the count and example are the real ones.
    """
    problems: list[str] = []
    frame_rows = failures[failures["schema_context"] == "DataFrameSchema"]
    for check, case in zip(frame_rows["check"], frame_rows["failure_case"], strict=True):
        if check == "column_in_dataframe":
            problems.append(f"column {shown(case)} is missing")
        elif check == "column_in_schema":
            problems.append(f"column {shown(case)} is not in the contract")
    column_rows = failures[failures["schema_context"] == "Column"]
    for name in contract.columns:
        rows = column_rows[column_rows["column"] == name]
        coercion = rows["check"].astype(str).str.startswith("coerce_dtype")
        if coercion.any():
            rows = rows[coercion]
            if rows["index"].isna().all() and name in frame:
                bad = _uncastable(frame[name], contract.columns[name].type)
                if len(bad):
                    rows = pd.DataFrame({"check": rows["check"].iloc[0], "failure_case": bad})
        for check, group in rows.groupby("check", sort=False):
            text = _phrase(str(check), len(group), group["failure_case"].iloc[0])
            if text is not None:
                problems.append(f"column {shown(name)} {text}")
    return problems


def validate(
    frame: pd.DataFrame, contract: Contract, source: str, inplace: bool = False
) -> pd.DataFrame:
    """Check a frame against the contract and return it coerced; raise one clear sentence.

    `inplace` coerces `frame` itself instead of a copy, for callers that only check.
    """
    try:
        return to_schema(contract, frame).validate(frame, lazy=True, inplace=inplace)
    except pa.errors.SchemaErrors as exc:
        problems = explain(exc.failure_cases, contract, frame) or ["does not match the contract"]
        raise TabmlError(f"{source}: {first_problem(problems)}") from None


MARGIN = 0.1  # inferred ranges: the observed [min, max] widened by this share of max - min


def inferred_bounds(
    series: pd.Series, integer: bool, margin: float = MARGIN
) -> tuple[int | float, int | float]:
    """The observed range widened by `margin` of its width on each side (of the value itself, or
    1, for a constant column), rounded outward: whole numbers for integers, else to the margin's
    leading digit. Never below 0 when no value is negative: a count stays a count. A wide range
    still refuses the absurd (an age of 200, a year 3000) that an open upper bound let through.
    """
    low, high = float(series.min()), float(series.max())
    width = (high - low) * margin or abs(high) * margin or 1.0
    step = 1.0 if integer else 10.0 ** math.floor(math.log10(width))
    digits = max(0, -math.floor(math.log10(step)))
    lower = round(math.floor((low - width) / step) * step, digits)
    upper = round(math.ceil((high + width) / step) * step, digits)
    lower = max(lower, 0.0) if low >= 0 else lower
    return (int(lower), int(upper)) if integer else (lower, upper)


def infer_contract(
    frame: pd.DataFrame, max_categories: int = 50, margin: float = MARGIN
) -> Contract:
    """Draft a contract from a sample table, as a starting point for bring-your-own-data.

    Numeric ranges come from `inferred_bounds`; review them (docs/adopt.md says how).
    """
    columns: dict[str, ColumnSpec] = {}
    for name in frame.columns:
        series = frame[name]
        nullable = bool(series.isna().any())
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            values = sorted(str(v) for v in series.dropna().unique())
            categories = values if len(values) <= max_categories else None
            columns[str(name)] = ColumnSpec(
                type="category", nullable=nullable, categories=categories
            )
            continue
        present = series.dropna()
        integer = pd.api.types.is_integer_dtype(series) or bool((present % 1 == 0).all())
        low, high = inferred_bounds(present, integer, margin) if len(present) else (None, None)
        columns[str(name)] = ColumnSpec(
            type="integer" if integer else "number", nullable=nullable, min=low, max=high
        )
    return Contract(columns=columns)


def dump_contract(contract: Contract) -> str:
    """The contract as YAML, type first, leaving out rules that are not set."""
    body: dict[str, dict[str, object]] = {}
    for name, spec in contract.columns.items():
        rules = spec.model_dump(exclude_none=True, exclude_defaults=True, exclude={"type"})
        for bound in ("min", "max"):
            if bound in rules and float(rules[bound]).is_integer():
                rules[bound] = int(rules[bound])
        body[name] = {"type": spec.type, **rules}
    return yaml.safe_dump({"columns": body}, sort_keys=False, width=100, default_flow_style=None)
