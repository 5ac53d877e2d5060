"""Seeded bootstrap confidence intervals for metric deltas between two revisions.

Resamples are drawn as row counts (a multinomial draw per resample), and every metric is computed
for all resamples at once as weighted sums, so 1,000 resamples of 10k rows take well under a
second. Paired: both revisions scored the same rows, and one draw weights both. Unpaired: each
revision's rows are drawn independently (used when the test set itself changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
LOWER_IS_BETTER = frozenset({"log_loss", "brier"})
_EPS = 1e-15
_CHUNK = 250  # resamples per block: bounds memory at about 20 MB per 10k rows


def _roc_auc(weights: Array, labels: Array, scores: Array) -> Array:
    """Weighted ROC AUC for each row of `weights` (ties count one half)."""
    order = np.argsort(scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    w = weights[:, order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    positives = np.add.reduceat(w * sorted_labels, starts, axis=1)
    negatives = np.add.reduceat(w * (1 - sorted_labels), starts, axis=1)
    below = np.cumsum(negatives, axis=1) - negatives
    numerator = (positives * (below + 0.5 * negatives)).sum(axis=1)
    denominator = positives.sum(axis=1) * negatives.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _confusion(
    weights: Array, labels: Array, predicted: Array
) -> tuple[Array, Array, Array, Array]:
    tp = weights @ (labels * predicted)
    fp = weights @ ((1 - labels) * predicted)
    fn = weights @ (labels * (1 - predicted))
    tn = weights @ ((1 - labels) * (1 - predicted))
    return tp, fp, fn, tn


def _ratio(numerator: Array, denominator: Array) -> Array:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, _EPS), 0.0)


def weighted_metrics(weights: Array, sample: Sample, names: list[str]) -> dict[str, Array]:
    """Each named metric for each row of `weights` (shape: resamples x rows)."""
    labels, scores = sample.labels.astype(np.float64), sample.scores
    predicted = sample.predicted.astype(np.float64)
    total = weights.sum(axis=1)
    tp, fp, fn, tn = _confusion(weights, labels, predicted)
    clipped = np.clip(scores, _EPS, 1 - _EPS)
    losses = -(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    computed: dict[str, Callable[[], Array]] = {
        "roc_auc": lambda: _roc_auc(weights, labels, scores),
        "accuracy": lambda: (tp + tn) / total,
        "precision": lambda: _ratio(tp, tp + fp),
        "recall": lambda: _ratio(tp, tp + fn),
        "f1": lambda: _ratio(2 * tp, 2 * tp + fp + fn),
        "log_loss": lambda: (weights @ losses) / total,
        "brier": lambda: (weights @ (scores - labels) ** 2) / total,
    }
    unknown = [name for name in names if name not in computed]
    if unknown:
        raise ValueError(f"no bootstrap for metric '{unknown[0]}'")
    return {name: computed[name]() for name in names}


@dataclass(frozen=True)
class Sample:
    """One revision's scored test rows: labels, scores and thresholded predictions."""

    labels: Array
    scores: Array
    predicted: Array


@dataclass(frozen=True)
class Delta:
    """PR minus base for one metric, with its bootstrap interval."""

    metric: str
    base: float
    pr: float
    delta: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """True when the interval excludes zero."""
        return bool(self.low > 0 or self.high < 0)

    @property
    def regression(self) -> float:
        """How much worse the PR is (positive = worse), whichever direction is better."""
        return self.delta if self.metric in LOWER_IS_BETTER else -self.delta

    @property
    def improved(self) -> bool:
        """A significant change in the better direction."""
        return self.significant and self.regression < 0


def _counts(rng: np.random.Generator, rows: int, resamples: int) -> Array:
    """Bootstrap row counts: each resample draws `rows` rows with replacement."""
    draws = rng.integers(0, rows, size=(resamples, rows)) + (np.arange(resamples) * rows)[:, None]
    counts = np.bincount(draws.ravel(), minlength=resamples * rows)
    return counts.reshape(resamples, rows).astype(np.float64)


def bootstrap_deltas(
    base: Sample,
    pr: Sample,
    names: list[str],
    *,
    paired: bool,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[Delta]:
    """Point deltas and percentile intervals of PR minus base for each metric.

    With `paired=True`, `base` and `pr` must hold the same rows in the same order.
    """
    if paired and len(base.labels) != len(pr.labels):
        raise ValueError("a paired bootstrap needs the same rows in both revisions")
    rng = np.random.default_rng(seed)
    point_base = weighted_metrics(np.ones((1, len(base.labels))), base, names)
    point_pr = weighted_metrics(np.ones((1, len(pr.labels))), pr, names)
    diffs: dict[str, list[Array]] = {name: [] for name in names}
    for start in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - start)
        counts_base = _counts(rng, len(base.labels), size)
        counts_pr = counts_base if paired else _counts(rng, len(pr.labels), size)
        boot_base = weighted_metrics(counts_base, base, names)
        boot_pr = weighted_metrics(counts_pr, pr, names)
        for name in names:
            diffs[name].append(boot_pr[name] - boot_base[name])
    tail = (1 - confidence) / 2 * 100
    deltas = []
    for name in names:
        values = np.concatenate(diffs[name])
        values = values[~np.isnan(values)]
        low, high = np.percentile(values, [tail, 100 - tail]) if len(values) else (np.nan, np.nan)
        b, p = float(point_base[name][0]), float(point_pr[name][0])
        deltas.append(Delta(name, b, p, p - b, float(low), float(high)))
    return deltas


@dataclass(frozen=True)
class Interval:
    """One metric of one revision with its bootstrap percentile interval."""

    metric: str
    value: float
    low: float
    high: float


def bootstrap_intervals(
    sample: Sample,
    names: list[str],
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[Interval]:
    """Point value and percentile interval of each metric for one revision (e.g. a model card)."""
    rng = np.random.default_rng(seed)
    point = weighted_metrics(np.ones((1, len(sample.labels))), sample, names)
    draws: dict[str, list[Array]] = {name: [] for name in names}
    for start in range(0, resamples, _CHUNK):
        boot = weighted_metrics(
            _counts(rng, len(sample.labels), min(_CHUNK, resamples - start)), sample, names
        )
        for name in names:
            draws[name].append(boot[name])
    tail = (1 - confidence) / 2 * 100
    intervals = []
    for name in names:
        values = np.concatenate(draws[name])
        low, high = np.nanpercentile(values, [tail, 100 - tail])
        intervals.append(Interval(name, float(point[name][0]), float(low), float(high)))
    return intervals
