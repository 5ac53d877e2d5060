"""What each task's charts show, computed from the two revisions' predictions.csv.

Multiclass: per-class recall and the confusion matrices by class name. Regression: the share of
rows per absolute-error bin (shared edges, last bin open) and, per range of the actual value,
the mean prediction of each side. Binary curves come from the evaluate stage's plot files
(summary.py).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from tabml.compare.predictions import classes
from tabml.compare.sample import Array
from tabml.compare.schema_tasks import MAX_BINS, ActualBin, ClassRecall, Multiclass, Regression
from tabml.compare.schema_types import MAX_CLASSES, clip
from tabml.paths import LABEL, PREDICTED

ERROR_BINS = 8  # absolute-error bins: 0 to the larger 95th percentile, the last one open
ACTUAL_BINS = 10  # ranges of the actual value, by the PR's deciles


def class_list(base: pd.DataFrame, pr: pd.DataFrame) -> list[str]:
    """Every class either side knows, sorted as the stages sort them (at most MAX_CLASSES)."""
    return sorted(set(classes(base)) | set(classes(pr)))[:MAX_CLASSES]


def _confusion(frame: pd.DataFrame, names: list[str]) -> tuple[tuple[int, ...], ...]:
    counts = frame.groupby([frame[LABEL].astype(str), frame[PREDICTED].astype(str)]).size()
    return tuple(tuple(int(counts.get((a, p), 0)) for p in names) for a in names)


def _recall(frame: pd.DataFrame, name: str) -> float | None:
    rows = frame[frame[LABEL].astype(str) == name]
    return None if rows.empty else float((rows[PREDICTED].astype(str) == name).mean())


def multiclass(base: pd.DataFrame, pr: pd.DataFrame) -> Multiclass:
    """Per-class recall and both confusion matrices, rows actual, columns predicted."""
    names = class_list(base, pr)
    recall = [
        ClassRecall(
            name=clip(name),
            rows=int((pr[LABEL].astype(str) == name).sum()),
            base=_recall(base, name),
            pr=_recall(pr, name),
        )
        for name in names
    ]
    return Multiclass(
        classes=tuple(clip(name) for name in names),
        recall=tuple(recall),
        confusion_base=_confusion(base, names),
        confusion_pr=_confusion(pr, names),
    )


def _values(frame: pd.DataFrame) -> tuple[Array, Array]:
    actual = pd.to_numeric(frame[LABEL], errors="coerce").to_numpy(np.float64)
    predicted = pd.to_numeric(frame[PREDICTED], errors="coerce").to_numpy(np.float64)
    return actual, predicted


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _shares(errors: Array, edges: Array) -> tuple[float, ...]:
    """Share of rows per bin; errors past the last edge count in the last bin."""
    inner = np.clip(errors, edges[0], edges[-1])
    counts, _ = np.histogram(inner, bins=edges)
    return tuple(float(c) / max(len(errors), 1) for c in counts)


def _mean(values: Array) -> float | None:
    return _round(float(values.mean())) if len(values) else None


def _actual_bins(base: pd.DataFrame, pr: pd.DataFrame) -> tuple[ActualBin, ...]:
    """Per range of the actual value (the PR's deciles): mean actual and mean predictions."""
    pr_actual, pr_predicted = _values(pr)
    base_actual, base_predicted = _values(base)
    if not len(pr_actual):
        return ()
    cuts = np.unique(np.quantile(pr_actual, np.linspace(0, 1, ACTUAL_BINS + 1)))
    if len(cuts) == 1:
        cuts = np.array([cuts[0], cuts[0]])
    bins = []
    for i, (low, high) in enumerate(itertools.pairwise(cuts)):
        closed = i == len(cuts) - 2  # the last range includes its upper end

        def inside(
            values: Array, low: float = low, high: float = high, closed: bool = closed
        ) -> Array:
            below: Array = values <= high if closed else values < high
            return (values >= low) & below

        mine, theirs = inside(pr_actual), inside(base_actual)
        bins.append(
            ActualBin(
                low=_round(low),
                high=_round(high),
                rows=int(mine.sum()),
                actual=_round(float(pr_actual[mine].mean())) if mine.any() else _round(low),
                base=_mean(base_predicted[theirs]),
                pr=_mean(pr_predicted[mine]),
            )
        )
    return tuple(bins[:MAX_BINS])


def regression(base: pd.DataFrame, pr: pd.DataFrame) -> Regression:
    """The absolute-error distribution of each side and predicted against actual."""
    (base_actual, base_predicted), (pr_actual, pr_predicted) = _values(base), _values(pr)
    base_errors, pr_errors = base_predicted - base_actual, pr_predicted - pr_actual
    tops = [np.quantile(np.abs(e), 0.95) for e in (base_errors, pr_errors) if len(e)]
    top = _round(max(tops, default=0.0)) or 1.0
    edges = np.array(sorted({_round(v) for v in np.linspace(0.0, top, ERROR_BINS + 1)}))
    return Regression(
        edges=tuple(float(e) for e in edges),
        base=_shares(np.abs(base_errors), edges),
        pr=_shares(np.abs(pr_errors), edges),
        bins=_actual_bins(base, pr),
        mean_error_base=_round(float(base_errors.mean())) if len(base_errors) else 0.0,
        mean_error_pr=_round(float(pr_errors.mean())) if len(pr_errors) else 0.0,
    )
