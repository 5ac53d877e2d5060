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
# (labels, scores, predicted) -> value. binary: labels 0/1, scores P(positive) (1-D), predicted 0/1;
# multiclass: labels and predicted are class codes (indices into the model's sorted classes),
# scores are (rows, classes) probabilities; regression: labels are numbers, scores and predicted
# are both the predictions.
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
    """Binary: `scores` is P(positive). Multiclass: `scores` is (rows, classes), labels codes;
    each row is scaled to sum to 1, as probabilities rounded for a file no longer quite do."""
    clipped = np.clip(scores, EPS, 1 - EPS)
    if clipped.ndim == 2:
        clipped = clipped / clipped.sum(axis=1, keepdims=True)
    classes = list(range(scores.shape[1])) if scores.ndim == 2 else [0, 1]
    return float(_sklearn().log_loss(labels, clipped, labels=classes))


def _brier(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().brier_score_loss(labels, scores))


def _f1_macro(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().f1_score(labels, predicted, average="macro", zero_division=0))


def _f1_weighted(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().f1_score(labels, predicted, average="weighted", zero_division=0))


def _balanced_accuracy(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(_sklearn().balanced_accuracy_score(labels, predicted))


def _rmse(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(np.sqrt(np.mean((np.asarray(labels, float) - predicted) ** 2)))


def _mae(labels: Vector, scores: Vector, predicted: Vector) -> float:
    return float(np.mean(np.abs(np.asarray(labels, float) - predicted)))


def _r2(labels: Vector, scores: Vector, predicted: Vector) -> float:
    """Undefined (NaN) when the labels are constant, e.g. in a small slice."""
    actual = np.asarray(labels, float)
    total = float(np.sum((actual - actual.mean()) ** 2))
    if total == 0.0:
        return math.nan
    return 1.0 - float(np.sum((actual - predicted) ** 2)) / total


def _abs_error_quantile(q: float) -> Compute:
    def compute(labels: Vector, scores: Vector, predicted: Vector) -> float:
        return float(np.quantile(np.abs(np.asarray(labels, float) - predicted), q))

    return compute


_BINARY: frozenset[Task] = frozenset({"binary"})
_CLASSES: frozenset[Task] = frozenset({"binary", "multiclass"})
_MULTI: frozenset[Task] = frozenset({"multiclass"})
_REGRESSION: frozenset[Task] = frozenset({"regression"})
REGISTRY: tuple[Metric, ...] = (
    Metric("roc_auc", _roc_auc, "higher", _BINARY),
    Metric("accuracy", _accuracy, "higher", _CLASSES),
    Metric("precision", _precision, "higher", _BINARY),
    Metric("recall", _recall, "higher", _BINARY),
    Metric("f1", _f1, "higher", _BINARY),
    Metric("f1_macro", _f1_macro, "higher", _MULTI),
    Metric("f1_weighted", _f1_weighted, "higher", _MULTI),
    Metric("balanced_accuracy", _balanced_accuracy, "higher", _MULTI),
    Metric("log_loss", _log_loss, "lower", _CLASSES),
    Metric("brier", _brier, "lower", _BINARY),
    Metric("rmse", _rmse, "lower", _REGRESSION),
    Metric("mae", _mae, "lower", _REGRESSION),
    Metric("r2", _r2, "higher", _REGRESSION),
    Metric("abs_error_p50", _abs_error_quantile(0.5), "lower", _REGRESSION),
    Metric("abs_error_p90", _abs_error_quantile(0.9), "lower", _REGRESSION),
)


@dataclass(frozen=True)
class TaskDefaults:
    """What params.yaml means when it leaves a task-dependent key out."""

    headline: str
    performance_drop: dict[str, float]


# performance_drop for regression is on r2 because it has no unit; rmse and mae are in the
# target's unit, so a default tolerance on them would be a fact about one table.
TASK_DEFAULTS: dict[Task, TaskDefaults] = {
    "binary": TaskDefaults("roc_auc", {"roc_auc": 0.05, "f1": 0.1}),
    "multiclass": TaskDefaults("f1_macro", {"f1_macro": 0.05, "accuracy": 0.05}),
    "regression": TaskDefaults("rmse", {"r2": 0.05}),
}
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
