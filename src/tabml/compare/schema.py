"""The report as data: what a PR run hands the trusted comment job, and the schema it must pass.

The comment job renders the PR comment itself, with code from the default branch, from this data
alone, so an artifact written by PR code can only supply what the schema allows: known metric
names, finite numbers in range, short single-line strings and bounded lists. No markdown from the
artifact is ever posted.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from tabml import metrics as registry
from tabml.compare.bootstrap import Delta
from tabml.compare.schema_tasks import ActualBin, ClassRecall, Multiclass, Regression
from tabml.compare.schema_types import (
    BIG,
    MAX_POINTS,
    MAX_TEXT,
    METRICS,
    Count,
    Metric,
    Model,
    Num,
    Series,
    Text,
    Unit,
    clip,
)
from tabml.metrics import Task

__all__ = [
    "MAX_POINTS",
    "MAX_TEXT",
    "METRICS",
    "ActualBin",
    "ClassRecall",
    "Multiclass",
    "Regression",
    "Series",
    "clip",
]

SCHEMA_VERSION: Literal[1] = 1  # task-aware fields are optional: older binary data still reads
MAX_ROWS = 2_000  # slices, and gate rules beyond the fixed ones
MAX_PARAMS = 500
MAX_INPUTS = 200
MAX_REASONS = 50
MAX_WARNINGS = 20
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]
Version = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z.+!_-]{1,40}$")]
BaselineStrategy = Literal["prevalence", "most_frequent", "mean"]
_STRATEGY: dict[Task, BaselineStrategy] = {
    "binary": "prevalence",
    "multiclass": "most_frequent",
    "regression": "mean",
}
# Where a metric's value can lie; its delta and interval bounds lie within the span of it.
_UNIT_METRICS = frozenset(
    {"roc_auc", "accuracy", "precision", "recall", "f1", "brier"}
    | {"f1_macro", "f1_weighted", "balanced_accuracy"}
)
_RANGES = {"log_loss": (0.0, 40.0), "r2": (-BIG, 1.0)} | dict.fromkeys(_UNIT_METRICS, (0.0, 1.0))


class DeltaData(Model):
    """One metric, base and PR, with the bootstrap interval of the delta (None: undefined)."""

    metric: Metric
    base: Num | None
    pr: Num | None
    delta: Num | None
    low: Num | None
    high: Num | None

    @model_validator(mode="after")
    def _in_range(self) -> DeltaData:
        low, high = _RANGES.get(self.metric, (0.0, BIG))
        span = high - low
        for value in (self.base, self.pr):
            if value is not None and not low <= value <= high:
                raise ValueError(f"{self.metric} {value} is outside [{low}, {high}]")
        for value in (self.delta, self.low, self.high):
            if value is not None and not -span <= value <= span:
                raise ValueError(f"a change in {self.metric} of {value} is out of range")
        return self

    def as_delta(self) -> Delta:
        """The bootstrap's Delta, so significance is decided by the same code as the gate's."""
        nan = float("nan")
        values = (self.base, self.pr, self.delta, self.low, self.high)
        return Delta(self.metric, *(nan if v is None else v for v in values))


class CheckData(Model):
    """One gate rule as the PR run evaluated it."""

    rule: Text
    passed: bool
    detail: Text


class ParamData(Model):
    """A changed params key; values as short text (None: absent on that side)."""

    key: Text
    base: Text | None
    pr: Text | None


class Shape(Model):
    """Rows x columns of an input table."""

    rows: Count
    columns: Count


class InputData(Model):
    """A data input of the pipeline on both sides."""

    path: Text
    changed: bool
    base: Shape | None
    pr: Shape | None


class SliceData(Model):
    """One slice's change in one metric."""

    group: Text
    value: Text
    rows: Count
    delta: DeltaData


class Curve(Model):
    """A sampled curve: the x grid (base's) and the y values of each side."""

    x: Series
    base: Series
    pr: Series


class Confusion(Model):
    """Counts of (actual, predicted) at the decision threshold."""

    tn: Count
    fp: Count
    fn: Count
    tp: Count


class Versions(Model):
    """Tool versions of the PR run."""

    tabml: Version
    dvc: Version
    scikit_learn: Version
    pandas: Version


class BaselineData(Model):
    """The trivial baseline (`stages.baseline`) and the PR's model against it, row by row.

    Binary (`prevalence`): `score` is the training prevalence every row gets, `label` the
    majority class; multiclass (`most_frequent`): `class_name`; regression (`mean`): `mean`,
    the training mean. Each delta's `base` is the baseline's value, `pr` the model's.
    """

    strategy: BaselineStrategy
    score: Unit | None = None
    label: Annotated[int, Field(ge=0, le=1)] | None = None
    class_name: Text | None = None
    mean: Num | None = None
    deltas: Annotated[tuple[DeltaData, ...], Field(min_length=1, max_length=len(METRICS))]

    @model_validator(mode="after")
    def _one_delta_per_metric(self) -> BaselineData:
        names = [d.metric for d in self.deltas]
        if len(set(names)) != len(names):
            raise ValueError("a metric appears twice in baseline.deltas")
        given = {
            "score": self.score is not None,
            "label": self.label is not None,
            "class_name": self.class_name is not None,
            "mean": self.mean is not None,
        }
        needs = {"prevalence": {"score", "label"}, "most_frequent": {"class_name"}}
        if {key for key, set_ in given.items() if set_} != needs.get(self.strategy, {"mean"}):
            raise ValueError(f"strategy '{self.strategy}' does not match the values given")
        return self


class ReportData(Model):
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
    task: registry.Task = "binary"
    roc: Curve | None = None  # binary: curves and the 2 x 2 confusion matrices
    precision_recall: Curve | None = None
    confusion_base: Confusion | None = None
    confusion_pr: Confusion | None = None
    positive_label: Text | None = None  # binary: the class the 1s of the confusion matrix mean
    multiclass: Multiclass | None = None  # per-class recall and the class confusion matrices
    regression: Regression | None = None  # error distribution, predicted against actual
    lock_fresh: bool
    lock_reasons: Annotated[tuple[Text, ...], Field(max_length=MAX_REASONS)]
    warnings: Annotated[tuple[Text, ...], Field(max_length=MAX_WARNINGS)] = ()
    baseline: BaselineData | None = None  # None: the PR's predictions had no baseline
    bootstrap_rows: Count | None = None  # resampled subsample past report.bootstrap.max_rows
    versions: Versions

    @model_validator(mode="after")
    def _headline_has_a_delta(self) -> ReportData:
        if self.headline not in {d.metric for d in self.deltas}:
            raise ValueError(f"headline '{self.headline}' has no entry in deltas")
        return self

    @model_validator(mode="after")
    def _fits_the_task(self) -> ReportData:
        """Metrics of the task only, and the charts and baseline of the task only."""
        named = [self.headline, *(d.metric for d in self.deltas)]
        named += [s.delta.metric for s in self.slices]
        named += [d.metric for d in self.baseline.deltas] if self.baseline else []
        for name in named:
            if self.task not in registry.get(name).tasks:
                raise ValueError(f"metric '{name}' does not apply to task '{self.task}'")
        binary = (self.roc, self.precision_recall, self.confusion_base, self.confusion_pr)
        charts = {
            "binary": all(c is not None for c in binary),
            "multiclass": self.multiclass is not None,
            "regression": self.regression is not None,
        }
        given = {
            "binary": any(c is not None for c in (*binary, self.positive_label)),
            "multiclass": self.multiclass is not None,
            "regression": self.regression is not None,
        }
        if not charts[self.task] or [t for t, g in given.items() if g] != [self.task]:
            raise ValueError(f"the charts given do not match task '{self.task}'")
        if self.baseline is not None and self.baseline.strategy != _STRATEGY[self.task]:
            raise ValueError(f"baseline strategy '{self.baseline.strategy}' is not {self.task}'s")
        return self

    @property
    def passed(self) -> bool:
        """Whether every rule passed, as the PR run says (never the verdict of a PR comment)."""
        return all(check.passed for check in self.checks)

    def delta(self, metric: str) -> Delta:
        """The overall delta of one metric."""
        return next(d.as_delta() for d in self.deltas if d.metric == metric)
