"""The retrain's training table: a base table plus incoming batches, appended or refreshed."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any, Literal

import pandas as pd

from tabml.errors import TabmlError


@dataclass(frozen=True)
class Part:
    """One input of the table: the base or a batch, with what it contributed."""

    path: str
    sha256: str
    rows: int
    appended: int = 0
    refreshed: int = 0


@dataclass(frozen=True)
class Built:
    """The new table and where its rows came from."""

    frame: pd.DataFrame
    base: Part | None
    batches: list[Part]

    def provenance(self, mode: str, table_sha256: str) -> dict[str, Any]:
        """A plain-data record of the inputs, for the provenance file next to the table."""
        return {
            "generated_by": "tabml retrain build",
            "mode": mode,
            "rows": len(self.frame),
            "sha256": table_sha256,
            "base": asdict(self.base) if self.base else None,
            "batches": [asdict(part) for part in self.batches],
        }


def sha256(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def select_batches(
    names: list[str], mode: Literal["cumulative", "window"], window: int
) -> list[str]:
    """The batch files a retrain uses, oldest first (dated names sort in time order)."""
    ordered = sorted(names)
    return ordered if mode == "cumulative" else ordered[-window:]


def _aligned(frame: pd.DataFrame, columns: list[str], source: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    extra = [c for c in frame.columns if c not in columns]
    if missing or extra:
        what = f"lacks column '{missing[0]}'" if missing else f"has unknown column '{extra[0]}'"
        raise TabmlError(f"{source}: {what}; a batch must have the raw table's columns")
    return frame[columns]


def combine(
    base: tuple[str, bytes, pd.DataFrame] | None,
    batches: list[tuple[str, bytes, pd.DataFrame]],
    columns: list[str],
    id_column: str | None,
) -> Built:
    """Base rows, then each batch's rows in order; with an id column, a later row refreshes
    (replaces) an earlier row with the same id instead of being appended."""
    if not batches and base is None:
        raise TabmlError("retrain: no base table and no batches; nothing to train on")
    frames: list[pd.DataFrame] = []
    seen: set[Any] = set()
    base_part = None
    if base is not None:
        path, raw, frame = base
        frames.append(_aligned(frame, columns, path))
        base_part = Part(path, sha256(raw), len(frame))
        if id_column is not None:
            seen.update(frame[id_column].tolist())
    parts: list[Part] = []
    for path, raw, batch in batches:
        frame = _aligned(batch, columns, path)
        refreshed = 0
        if id_column is not None:
            ids = frame[id_column]
            if ids.duplicated().any():
                raise TabmlError(f"{path}: column '{id_column}' has duplicate ids")
            refreshed = int(ids.isin(seen).sum())
            seen.update(ids.tolist())
        frames.append(frame)
        parts.append(Part(path, sha256(raw), len(frame), len(frame) - refreshed, refreshed))
    table = pd.concat(frames, ignore_index=True)
    if id_column is not None:
        table = table[~table.duplicated(subset=[id_column], keep="last")].reset_index(drop=True)
    return Built(table, base_part, parts)
