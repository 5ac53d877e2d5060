"""The report data's building blocks: bounded, single-line text and finite numbers in range.

Shared by schema.py (the report) and schema_tasks.py (each task's charts), so every field an
artifact from PR code can fill is one of these few types.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tabml.metrics import names as metric_names

METRICS = metric_names()  # every name the registry (tabml.metrics) knows
MAX_TEXT = 200  # characters in any string from the PR run
MAX_POINTS = 64  # per chart series; the PR run samples about 21
MAX_CLASSES = 50  # classes of a multiclass report (the confusion matrix is classes²)
BIG = 1e12  # magnitude of a value in the target's unit (regression), e.g. a price
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})  # control, format (bidi, zero-width)


def clip(text: object, limit: int = MAX_TEXT) -> str:
    """One visible line of at most `limit` characters: what a free-text field may hold."""
    flat = " ".join(str(text).split())
    kept = "".join(ch for ch in flat if unicodedata.category(ch) not in _HIDDEN)
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def _visible(text: str) -> str:
    if any(unicodedata.category(ch) in _HIDDEN for ch in text):
        raise ValueError("control, line-break or invisible format characters are not allowed")
    return text


def _metric(name: str) -> str:
    if name not in METRICS:
        raise ValueError(f"unknown metric (known: {', '.join(METRICS)})")
    return name


Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_visible)]
Metric = Annotated[str, AfterValidator(_metric)]
Num = Annotated[float, Field(ge=-BIG, le=BIG, allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=10**12)]
Series = Annotated[tuple[Unit, ...], Field(min_length=1, max_length=MAX_POINTS)]


class Model(BaseModel):
    """Frozen, strict, and no key beyond the declared ones, at any level."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
