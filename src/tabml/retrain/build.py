"""Read the base table and the incoming batches, and build the retrain's training table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tabml import io
from tabml.config import Params
from tabml.contract import Contract, validate
from tabml.retrain.params_edit import point_data_path
from tabml.retrain.table import Built, combine, select_batches, sha256


@dataclass(frozen=True)
class TableBuild:
    """What `tabml retrain build` writes, and whether anything changed at all."""

    changed: bool
    reason: str
    table: bytes
    provenance: dict[str, Any]
    params_text: str
    new_batches: list[str]

    def info(self, params: Params) -> dict[str, Any]:
        """The build record (retrain-build.json) that the decision reads."""
        settings = params.retrain
        return {
            "changed": self.changed,
            "reason": self.reason,
            "table": str(settings.table),
            "branch": settings.branch,
            "main": settings.main,
            "new_batches": self.new_batches,
            **self.provenance,
        }


def provenance_path(table: Path) -> Path:
    """Where the provenance record of a retrain table lives (beside it)."""
    return table.with_name(f"{table.stem}.provenance.yaml")


def _read(path: Path, params: Params, contract: Contract) -> tuple[str, bytes, Any]:
    frame = io.read_table(path, params.data.na_values, contract.read_dtypes(), key="retrain.base")
    frame = validate(frame, contract, str(path))
    return str(path), path.read_bytes(), frame


def build_table(params: Params, contract: Contract, params_text: str) -> TableBuild:
    """Combine base and batches per `params.retrain`; compare with the table already there."""
    settings = params.retrain
    names = [p.name for p in settings.incoming.glob("*.csv")] if settings.incoming.is_dir() else []
    chosen = select_batches(names, settings.mode, settings.window_batches)
    base = _read(settings.base, params, contract) if settings.base is not None else None
    batches = [_read(settings.incoming / name, params, contract) for name in chosen]
    built: Built = combine(base, batches, list(contract.columns), params.data.id_column)
    table = io.to_raw_csv(built.frame, params.data.na_values)
    provenance = built.provenance(settings.mode, sha256(table))
    previous_file = provenance_path(settings.table)
    previous = yaml.safe_load(previous_file.read_text()) if previous_file.exists() else None
    known = {part["path"] for part in (previous or {}).get("batches", [])}
    new_batches = [part.path for part in built.batches if part.path not in known]
    same = settings.table.exists() and settings.table.read_bytes() == table
    points = params.data.path == settings.table
    if not chosen:
        changed, reason = False, f"no batch CSV files in {settings.incoming}/"
    elif same and points:
        changed, reason = False, f"{settings.table} already holds these {len(chosen)} batches"
    else:
        changed, reason = True, f"{len(new_batches)} new of {len(chosen)} batches"
    edited = params_text if points else point_data_path(params_text, str(settings.table))
    return TableBuild(changed, reason, table, provenance, edited, new_batches)
