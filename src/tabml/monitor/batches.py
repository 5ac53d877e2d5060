"""Realistic incoming batches for the demo: held-out raw rows in dated CSVs, optionally shifted.

`make_batches` shuffles rows with a seed, cuts them into batches named by date and applies shifts
such as ``age=+10`` or ``hours-per-week=*1.3`` to numeric columns (clipped to the contract's range,
so a shifted batch still meets the contract: it drifts, it is not broken).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from tabml.contract import Contract
from tabml.errors import TabmlError
from tabml.io import to_raw_csv as to_raw_csv  # noqa: PLC0414 (re-exported: it lives in io)

_SHIFT = re.compile(r"^(?P<column>[^=]+)=(?P<op>[+*-])(?P<amount>\d+(\.\d+)?)$")


@dataclass(frozen=True)
class Shift:
    """Add to, subtract from or multiply a numeric column."""

    column: str
    op: str
    amount: float

    def apply(self, values: pd.Series) -> pd.Series:
        """The shifted values (missing values stay missing)."""
        numbers = values.astype("Float64")
        if self.op == "+":
            return numbers + self.amount
        if self.op == "-":
            return numbers - self.amount
        return numbers * self.amount


def parse_shift(text: str, contract: Contract) -> Shift:
    """Parse ``COLUMN=+N``, ``COLUMN=-N`` or ``COLUMN=*F`` for a numeric column of the contract."""
    match = _SHIFT.match(text.strip())
    if match is None:
        raise TabmlError(
            f"--shift {text!r}: expected COLUMN=+N, COLUMN=-N or COLUMN=*F (e.g. age=+10)"
        )
    column = match["column"].strip()
    spec = contract.columns.get(column)
    if spec is None:
        raise TabmlError(f"--shift {text!r}: column '{column}' is not in the contract")
    if spec.type == "category":
        raise TabmlError(f"--shift {text!r}: column '{column}' is a category, not a number")
    return Shift(column=column, op=match["op"], amount=float(match["amount"]))


def shift_frame(frame: pd.DataFrame, shifts: list[Shift], contract: Contract) -> pd.DataFrame:
    """Apply the shifts, clip to the contract's range and keep integer columns integral."""
    out = frame.copy()
    for shift in shifts:
        spec = contract.columns[shift.column]
        values = shift.apply(out[shift.column]).clip(lower=spec.min, upper=spec.max)
        out[shift.column] = values.round().astype("Int64") if spec.type == "integer" else values
    return out


def held_out_rows(raw: pd.DataFrame, test_ids: pd.Series, id_column: str | None) -> pd.DataFrame:
    """Rows of the raw table in the test split (by `row_id`): rows the model never trained on."""
    if id_column is None:
        return raw.iloc[np.sort(test_ids.to_numpy())]
    return raw[raw[id_column].isin(test_ids)]


DEFAULT_BATCHES = 4  # as many as fit: each batch must have monitor.min_rows rows


def batch_count(rows: int, requested: int | None, min_rows: int) -> int:
    """How many batches to cut `rows` into: `requested`, or up to `DEFAULT_BATCHES` of at least
    `min_rows` rows each, so that `tabml monitor` accepts every batch whatever the table's size."""
    if rows < min_rows:
        raise TabmlError(
            f"only {rows} rows to draw batches from, fewer than monitor.min_rows ({min_rows}) "
            "that `tabml monitor` needs; lower monitor.min_rows in params.yaml"
        )
    if requested is None:
        return max(1, min(DEFAULT_BATCHES, rows // min_rows))
    if requested < 1 or requested > rows:
        raise TabmlError(f"--batches must be between 1 and the {rows} available rows")
    if rows // requested < min_rows:
        raise TabmlError(
            f"--batches {requested}: batches of {rows // requested} rows are fewer than "
            f"monitor.min_rows ({min_rows}), which `tabml monitor` refuses; use at most "
            f"{rows // min_rows} batches or lower monitor.min_rows"
        )
    return requested


def reserve_rows(raw: pd.DataFrame, share: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the table into (base, reserved): a seeded `share` of the rows held out of the base,
    so that batches drawn from them are new to the base and to any model trained on it."""
    count = max(1, round(share * len(raw)))
    if count >= len(raw):
        raise TabmlError(f"cannot reserve {count} of {len(raw)} rows and keep a base table")
    chosen = np.zeros(len(raw), dtype=bool)
    chosen[np.random.default_rng(seed).permutation(len(raw))[:count]] = True
    return raw[~chosen].reset_index(drop=True), raw[chosen].reset_index(drop=True)


def make_batches(
    rows: pd.DataFrame,
    *,
    count: int,
    seed: int,
    start: date,
    every_days: int,
    shifts: list[Shift],
    contract: Contract,
    shift_from: int = 1,
) -> dict[str, pd.DataFrame]:
    """`count` shuffled batches of near-equal size keyed by date (`YYYY-MM-DD`).

    Batch number `shift_from` (counting from 1) and the later ones get the shifts.
    """
    if count < 1 or count > len(rows):
        raise TabmlError(f"--batches must be between 1 and the {len(rows)} available rows")
    order = np.random.default_rng(seed).permutation(len(rows))
    batches: dict[str, pd.DataFrame] = {}
    for number, positions in enumerate(np.array_split(order, count), start=1):
        batch = rows.iloc[np.sort(positions)].reset_index(drop=True)
        if number >= shift_from:
            batch = shift_frame(batch, shifts, contract)
        batches[(start + timedelta(days=every_days * (number - 1))).isoformat()] = batch
    return batches


def parse_date(text: str) -> date:
    """A `YYYY-MM-DD` date, or one clear error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TabmlError(f"--start {text!r}: expected a date as YYYY-MM-DD") from None


def latest_batch(directory: Path) -> Path:
    """The newest batch by name (dated names sort in time order)."""
    batches = sorted(directory.glob("*.csv"))
    if not batches:
        raise TabmlError(
            f"{directory}: no batch CSV files; pass --current or run `tabml batches` first"
        )
    return batches[-1]
