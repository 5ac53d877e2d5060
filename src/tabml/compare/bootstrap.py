"""Seeded bootstrap confidence intervals for metric deltas between two revisions.

Resamples are drawn as row counts (a multinomial draw per resample), and every metric is computed
for all resamples at once as weighted sums, so 1,000 resamples of 10k rows take well under a
second. Paired: both revisions scored the same rows, and one draw weights both. Unpaired: each
revision's rows are drawn independently (used when the test set itself changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tabml import metrics as registry

Array = NDArray[Any]
_EPS = registry.EPS
_CHUNK = 250  # resamples per block: bounds memory at about 20 MB per 10k rows


def _roc_auc(weights: Array, sample: Sample) -> Array:
    """Weighted ROC AUC for each row of `weights` (ties count one half).

    With rows sorted by score and `cum` the running weight of negatives, a positive row in a tie
    group spanning sorted positions [s, e] beats the negatives before s and ties with those in
    [s, e]: it contributes w * (cum[s - 1] + cum[e]) / 2.
    """
    ws = weights[:, sample.order]
    cum = np.zeros((ws.shape[0], ws.shape[1] + 1))
    np.cumsum(ws * sample.negative_sorted, axis=1, out=cum[:, 1:])
    positive = sample.positive_positions
    before, through = cum[:, sample.group_start[positive]], cum[:, sample.group_end[positive] + 1]
    numerator = 0.5 * np.einsum("ij,ij->i", ws[:, positive], before + through)
    denominator = ws[:, positive].sum(axis=1) * cum[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _ratio(numerator: Array, denominator: Array) -> Array:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, _EPS), 0.0)


def weighted_metrics(weights: Array, sample: Sample, names: list[str]) -> dict[str, Array]:
    """Each named metric for each row of `weights` (shape: resamples x rows).

    The vectorised twin of each binary metric in `tabml.metrics`. Every metric but ROC AUC is
    a ratio of weighted sums of per-row terms, so one matrix product (`weights @ sample.terms`)
    gives all of them at once.
    """
    sums = weights @ sample.terms
    tp, fp, fn, tn, loss, squared = (sums[:, i] for i in range(6))
    total = tp + fp + fn + tn
    computed: dict[str, Callable[[], Array]] = {
        "roc_auc": lambda: _roc_auc(weights, sample),
        "accuracy": lambda: (tp + tn) / total,
        "precision": lambda: _ratio(tp, tp + fp),
        "recall": lambda: _ratio(tp, tp + fn),
        "f1": lambda: _ratio(2 * tp, 2 * tp + fp + fn),
        "log_loss": lambda: loss / total,
        "brier": lambda: squared / total,
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

    @cached_property
    def terms(self) -> Array:
        """Per-row terms whose weighted sums give the metrics: TP, FP, FN, TN, loss, error²."""
        y, p = self.labels.astype(np.float64), self.predicted.astype(np.float64)
        clipped = np.clip(self.scores, _EPS, 1 - _EPS)
        loss = -(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
        columns = [y * p, (1 - y) * p, y * (1 - p), (1 - y) * (1 - p), loss, (self.scores - y) ** 2]
        return np.column_stack(columns)

    @cached_property
    def order(self) -> Array:
        """Row positions sorted by score."""
        return np.argsort(self.scores, kind="stable")

    @cached_property
    def negative_sorted(self) -> Array:
        """1.0 for negative rows, in score order."""
        negative: Array = (self.labels[self.order] == 0).astype(np.float64)
        return negative

    @cached_property
    def positive_positions(self) -> Array:
        """Sorted positions of the positive rows."""
        return np.flatnonzero(self.labels[self.order] == 1)

    @cached_property
    def _groups(self) -> tuple[Array, Array]:
        sorted_scores = self.scores[self.order]
        new_group = np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]
        starts = np.flatnonzero(new_group)
        ends = np.r_[starts[1:] - 1, len(sorted_scores) - 1]
        group = np.cumsum(new_group) - 1
        return starts[group], ends[group]

    @property
    def group_start(self) -> Array:
        """For each sorted position, where its tie group starts."""
        return self._groups[0]

    @property
    def group_end(self) -> Array:
        """For each sorted position, where its tie group ends."""
        return self._groups[1]


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
        return registry.get(self.metric).worse_by(self.base, self.pr)

    @property
    def improved(self) -> bool:
        """A significant change in the better direction."""
        return self.significant and self.regression < 0


def _counts(rng: np.random.Generator, rows: int, resamples: int) -> Array:
    """Bootstrap row counts: each resample draws `rows` rows with replacement."""
    draws = rng.integers(0, rows, size=(resamples, rows)) + (np.arange(resamples) * rows)[:, None]
    counts = np.bincount(draws.ravel(), minlength=resamples * rows)
    return counts.reshape(resamples, rows).astype(np.float64)


def _percentiles(draws: list[Array], confidence: float) -> tuple[float, float]:
    """The central `confidence` interval of the resampled values, ignoring undefined ones."""
    values = np.concatenate(draws)
    values = values[~np.isnan(values)]
    if not len(values):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def _point(sample: Sample, names: list[str]) -> dict[str, float]:
    values = weighted_metrics(np.ones((1, len(sample.labels))), sample, names)
    return {name: float(values[name][0]) for name in names}


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

    With `paired=True`, `base` and `pr` must hold the same rows in the same order, and each
    resample weights the same rows on both sides.
    """
    if paired and len(base.labels) != len(pr.labels):
        raise ValueError("a paired bootstrap needs the same rows in both revisions")
    rng = np.random.default_rng(seed)
    diffs: dict[str, list[Array]] = {name: [] for name in names}
    for start in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - start)
        counts_base = _counts(rng, len(base.labels), size)
        counts_pr = counts_base if paired else _counts(rng, len(pr.labels), size)
        boot_base = weighted_metrics(counts_base, base, names)
        boot_pr = weighted_metrics(counts_pr, pr, names)
        for name in names:
            diffs[name].append(boot_pr[name] - boot_base[name])
    point_base, point_pr = _point(base, names), _point(pr, names)
    return [
        Delta(
            name,
            point_base[name],
            point_pr[name],
            point_pr[name] - point_base[name],
            *_percentiles(diffs[name], confidence),
        )
        for name in names
    ]


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
    draws: dict[str, list[Array]] = {name: [] for name in names}
    for start in range(0, resamples, _CHUNK):
        counts = _counts(rng, len(sample.labels), min(_CHUNK, resamples - start))
        for name, values in weighted_metrics(counts, sample, names).items():
            draws[name].append(values)
    point = _point(sample, names)
    return [Interval(name, point[name], *_percentiles(draws[name], confidence)) for name in names]
