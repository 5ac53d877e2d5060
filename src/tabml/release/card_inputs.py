"""What a model card is made of, and how the parts that are not plain files are read.

`CardInputs` gathers the release identity, params, contract, committed metrics, baseline and
slices, bootstrap intervals from predictions.csv, the training data's hashes and the hand-written
notes (docs/model-card.yaml); `tabml.release.card` renders them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from tabml.compare.bootstrap import Interval, bootstrap_intervals
from tabml.compare.predictions import model_sample
from tabml.config import Params, ReportParams
from tabml.contract import Contract
from tabml.errors import TabmlError
from tabml.metrics import Task
from tabml.paths import PREDICTIONS

NOTES = Path("docs/model-card.yaml")


class CardNotes(BaseModel):
    """The hand-written parts of the card: what the model is for and what it must not do."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intended_use: str = ""
    out_of_scope: list[str] = []
    limitations: list[str] = []


@dataclass(frozen=True)
class ReleaseInfo:
    """Which release this is: from the GTO tag when there is one, else from the commit."""

    artifact: str
    version: str
    tag: str | None
    git_sha: str
    created_at: str
    repository: str | None


@dataclass(frozen=True)
class TrainingData:
    """The raw table the model was trained on, as dvc.lock and its provenance file record it."""

    path: str
    md5: str | None
    provenance: dict[str, Any] | None


@dataclass(frozen=True)
class CardInputs:
    """Everything the card is made of."""

    info: ReleaseInfo
    params: Params
    contract: Contract
    metrics: dict[str, Any]
    slices: dict[str, dict[str, dict[str, Any]]]
    intervals: list[Interval]
    data: TrainingData
    model_sha256: str
    notes: CardNotes
    baseline: dict[str, Any] | None = None  # reports/baseline.json: the trivial model's metrics


def load_notes(path: Path = NOTES) -> CardNotes:
    """Read the hand-written parts; a missing file gives an empty set of notes."""
    if not path.is_file():
        return CardNotes()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return CardNotes.model_validate(raw)
    except yaml.YAMLError:
        raise TabmlError(f"{path}: not valid YAML") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "top level"
        raise TabmlError(f"{path}: key '{key}': {error['msg']}") from None


def load_baseline(path: Path) -> dict[str, Any] | None:
    """The trivial baseline's metrics (reports/baseline.json), or None when the file is absent
    (a project evaluated before the baseline existed)."""
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise TabmlError(f"{path}: not valid JSON") from None
    if not isinstance(value, dict):
        raise TabmlError(f"{path}: not a JSON object of metrics")
    return value


def metric_intervals(
    predictions: pd.DataFrame, report: ReportParams, task: Task = "binary"
) -> list[Interval]:
    """Bootstrap intervals of each reported metric on the held-out predictions, read in the
    task's shape (tabml.compare.predictions; class names as written)."""
    sample = model_sample(predictions, task, str(PREDICTIONS))
    boot = report.bootstrap
    return bootstrap_intervals(
        sample,
        list(report.metrics),
        resamples=boot.samples,
        confidence=boot.confidence,
        seed=boot.seed,
        max_rows=boot.max_rows,
    )
