"""The one registry of model-quality metrics: name, computation, which way is better, and tasks.

Config validation, the evaluate stage, the bootstrap, the quality gate, drift monitoring, the
model card and sweep ranking all read it, so a metric is named and oriented in one place.
scikit-learn is imported on first use: validating `params.yaml` reads this module and must stay
fast.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[Any]
Task = Literal["binary", "multiclass", "regression"]
Direction = Literal["higher", "lower"]
# (labels, scores, predicted labels) -> value; scores are the positive-class probability.
Compute = Callable[[Vector, Vector, Vector], float]
TASKS: tuple[Task, ...] = get_args(Task)
EPS = 1e-15  # log loss clips scores into [EPS, 1 - EPS], here and in the bootstrap


@dataclass(frozen=True)
class Metric:
    """One metric: how to compute it, which way is better, and the tasks it applies to."""

    name: str
    compute: Compute
    direction: Direction
    tasks: frozenset[Task]

    @property
    def lower_is_better(self) -> bool:
        """True for losses (log loss, Brier score)."""
        return self.direction == "lower"

    def worse_by(self, before: float, after: float) -> float:
        """How much worse `after` is than `before` (negative: better), whichever way is better."""
        return after - before if self.lower_is_better else before - after

    def best_first(self, value: float) -> float:
        """A sort key that puts the best value first."""
        return value if self.lower_is_better else -value

    @property
    def bound(self) -> str:
        """The comparison a floor means: a ceiling (`<=`) where lower is better."""
        return "<=" if self.lower_is_better else ">="

    def meets(self, value: float, limit: float) -> bool:
        """Whether `value` is on the good side of the floor (or ceiling) `limit`."""
        return value <= limit if self.lower_is_better else value >= limit


def _sklearn() -> Any:
    """`sklearn.metrics`, imported on first use."""
    import sklearn.metrics

    return sklearn.metrics


def _roc_auc(labels: Vector, scores: Vector, predicted: Vector) -> float:
    """Undefined (NaN) unless both classes are present, e.g. in a small slice."""
    if len(np.unique(labels)) != 2:
        return math.nan
    return float(_sklearn().roc_auc_score(labels, scores))


def _accuracy(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().accuracy_score(labels, predicted))


def _precision(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().precision_score(labels, predicted, zero_division=0))


def _recall(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().recall_score(labels, predicted, zero_division=0))


def _f1(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().f1_score(labels, predicted, zero_division=0))


def _log_loss(labels: Vector, scores: Vector, predicted: Vector) -> float:
    clipped = np.clip(scores, EPS, 1 - EPS)
    return float(_sklearn().log_loss(labels, clipped, labels=[0, 1]))


def _brier(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().brier_score_loss(labels, scores))


_BINARY: frozenset[Task] = frozenset({"binary"})
REGISTRY: tuple[Metric, ...] = (
    Metric("roc_auc", _roc_auc, "higher", _BINARY),
    Metric("accuracy", _accuracy, "higher", _BINARY),
    Metric("precision", _precision, "higher", _BINARY),
    Metric("recall", _recall, "higher", _BINARY),
    Metric("f1", _f1, "higher", _BINARY),
    Metric("log_loss", _log_loss, "lower", _BINARY),
    Metric("brier", _brier, "lower", _BINARY),
)
_BY_NAME = {metric.name: metric for metric in REGISTRY}


def names(task: Task | None = None) -> tuple[str, ...]:
    """Registered names in report order: all of them, or those that apply to `task`."""
    return tuple(m.name for m in REGISTRY if task is None or task in m.tasks)


def for_task(task: Task) -> tuple[Metric, ...]:
    """The metrics that apply to `task`, in report order."""
    return tuple(m for m in REGISTRY if task in m.tasks)


def get(name: str) -> Metric:
    """The metric called `name`; a `ValueError` naming the known ones otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown metric '{name}' (known: {', '.join(names())})") from None
