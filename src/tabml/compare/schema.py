"""The report as data: what a PR run hands the trusted comment job, and the schema it must pass.

The comment job renders the PR comment itself, with code from the default branch, from this data
alone, so an artifact written by PR code can only supply what the schema allows: known metric
names, finite numbers in range, short single-line strings and bounded lists. No markdown from the
artifact is ever posted.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from tabml.compare.bootstrap import Delta
from tabml.metrics import names as metric_names
from tabml.stages.baseline import Strategy

SCHEMA_VERSION: Literal[1] = 1
METRICS = metric_names()  # every name the registry (tabml.metrics) knows
MAX_TEXT = 200  # characters in any string from the PR run
MAX_ROWS = 2_000  # slices, and gate rules beyond the fixed ones
MAX_PARAMS = 500
MAX_INPUTS = 200
MAX_REASONS = 50
MAX_WARNINGS = 20
MAX_POINTS = 64  # per chart series; the PR run samples about 21
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
Num = Annotated[float, Field(ge=-1e3, le=1e3, allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=10**12)]
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]
Version = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z.+!_-]{1,40}$")]
Series = Annotated[tuple[Unit, ...], Field(min_length=1, max_length=MAX_POINTS)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class DeltaData(_Model):
    """One metric, base and PR, with the bootstrap interval of the delta (None: undefined)."""

    metric: Metric
    base: Num | None
    pr: Num | None
    delta: Num | None
    low: Num | None
    high: Num | None

    def as_delta(self) -> Delta:
        """The bootstrap's Delta, so significance is decided by the same code as the gate's."""
        nan = float("nan")
        values = (self.base, self.pr, self.delta, self.low, self.high)
        return Delta(self.metric, *(nan if v is None else v for v in values))


class CheckData(_Model):
    """One gate rule as the PR run evaluated it."""

    rule: Text
    passed: bool
    detail: Text


class ParamData(_Model):
    """A changed params key; values as short text (None: absent on that side)."""

    key: Text
    base: Text | None
    pr: Text | None


class Shape(_Model):
    """Rows x columns of an input table."""

    rows: Count
    columns: Count


class InputData(_Model):
    """A data input of the pipeline on both sides."""

    path: Text
    changed: bool
    base: Shape | None
    pr: Shape | None


class SliceData(_Model):
    """One slice's change in one metric."""

    group: Text
    value: Text
    rows: Count
    delta: DeltaData


class Curve(_Model):
    """A sampled curve: the x grid (base's) and the y values of each side."""

    x: Series
    base: Series
    pr: Series


class Confusion(_Model):
    """Counts of (actual, predicted) at the decision threshold."""

    tn: Count
    fp: Count
    fn: Count
    tp: Count


class Versions(_Model):
    """Tool versions of the PR run."""

    tabml: Version
    dvc: Version
    scikit_learn: Version
    pandas: Version


class BaselineData(_Model):
    """The trivial baseline (`stages.baseline`) and the PR's model against it, row by row.

    Binary: `score` is the training prevalence every row gets, `label` the majority class.
    Each delta's `base` is the baseline's value, `pr` the model's.
    """

    strategy: Strategy
    score: Unit
    label: Annotated[int, Field(ge=0, le=1)]
    deltas: Annotated[tuple[DeltaData, ...], Field(min_length=1, max_length=len(METRICS))]

    @model_validator(mode="after")
    def _one_delta_per_metric(self) -> BaselineData:
        names = [d.metric for d in self.deltas]
        if len(set(names)) != len(names):
            raise ValueError("a metric appears twice in baseline.deltas")
        return self


class ReportData(_Model):
    """Everything the PR report shows, as the PR run computed it."""

    schema_version: Literal[1]
    headline: Metric
    paired: bool
    base_sha: Sha
    pr_sha: Sha
    base_source: Text
    base_rows: Count
    pr_rows: Count
    deltas: Annotated[tuple[DeltaData, ...], Field(min_length=1, max_length=len(METRICS))]
    checks: Annotated[tuple[CheckData, ...], Field(max_length=MAX_ROWS + 100)]
    params: Annotated[tuple[ParamData, ...], Field(max_length=MAX_PARAMS)]
    inputs: Annotated[tuple[InputData, ...], Field(max_length=MAX_INPUTS)]
    slices: Annotated[tuple[SliceData, ...], Field(max_length=MAX_ROWS)]
    roc: Curve
    precision_recall: Curve
    confusion_base: Confusion
    confusion_pr: Confusion
    lock_fresh: bool
    lock_reasons: Annotated[tuple[Text, ...], Field(max_length=MAX_REASONS)]
    warnings: Annotated[tuple[Text, ...], Field(max_length=MAX_WARNINGS)] = ()
    baseline: BaselineData | None = None  # None: the PR's predictions had no baseline
    versions: Versions

    @model_validator(mode="after")
    def _headline_has_a_delta(self) -> ReportData:
        if self.headline not in {d.metric for d in self.deltas}:
            raise ValueError(f"headline '{self.headline}' has no entry in deltas")
        return self

    @property
    def passed(self) -> bool:
        """Whether every rule passed, as the PR run says (never the verdict of a PR comment)."""
        return all(check.passed for check in self.checks)

    def delta(self, metric: str) -> Delta:
        """The overall delta of one metric."""
        return next(d.as_delta() for d in self.deltas if d.metric == metric)
