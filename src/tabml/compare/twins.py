"""Vectorised twins of the registry's metrics: each metric for many row weightings at once.

A bootstrap resample is a row-count vector, so a metric that is a ratio of weighted sums of
per-row terms (`Sample.terms`) is one matrix product for every resample together. Every metric
of `tabml.metrics` has a twin here; a metric without one falls back to the registry's own
compute on each resample's rows (correct, but a thousand times slower).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from tabml import metrics as registry
from tabml.compare.sample import Array, Sample

Twin = Callable[[], Array]


def _ratio(numerator: Array, denominator: Array) -> Array:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, registry.EPS), 0.0)


def _roc_auc(weights: Array, sample: Sample) -> Array:
    """Weighted ROC AUC for each row of `weights` (ties count one half).

    With `cum` the running weight of the negatives in score order, a positive row with b
    negatives strictly below it and t up to the end of its tie group beats the first and ties
    with the rest: it contributes w * (cum[b] + cum[t]) / 2. Only the negatives' columns are
    summed, so the work is one gather and one running sum of those, whatever the ties.
    """
    ranking = sample.ranking
    negatives = weights[:, ranking.negatives]
    cum = np.zeros((len(weights), negatives.shape[1] + 1))
    np.cumsum(negatives, axis=1, out=cum[:, 1:])
    positives = weights[:, ranking.positives]
    ties = cum[:, ranking.below] + cum[:, ranking.through]
    numerator = 0.5 * np.einsum("ij,ij->i", positives, ties)
    denominator = positives.sum(axis=1) * cum[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _binary(weights: Array, sample: Sample) -> dict[str, Twin]:
    @cache
    def from_sums() -> dict[str, Array]:  # only if asked: the slices ask for ROC AUC alone
        sums = weights @ sample.terms
        tp, fp, fn, tn, loss, squared = (sums[:, i] for i in range(6))
        total = tp + fp + fn + tn
        return {
            "accuracy": (tp + tn) / total,
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
            "f1": _ratio(2 * tp, 2 * tp + fp + fn),
            "log_loss": loss / total,
            "brier": squared / total,
        }

    def summed(name: str) -> Twin:
        return lambda: from_sums()[name]

    names = ("accuracy", "precision", "recall", "f1", "log_loss", "brier")
    return {"roc_auc": lambda: _roc_auc(weights, sample)} | {name: summed(name) for name in names}


def _mean_where(values: Array, present: Array) -> Array:
    """Mean of `values` over the classes marked `present`, per resample (NaN if none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean: Array = (values * present).sum(axis=1) / present.sum(axis=1)
    return mean


def _multiclass(weights: Array, sample: Sample) -> dict[str, Twin]:
    """Per-class counts as in scikit-learn: macro F1 averages the classes seen in labels or
    predictions, balanced accuracy the recall of the classes seen in labels."""
    k = sample.classes
    sums = weights @ sample.terms
    support, guessed, hits = sums[:, :k], sums[:, k : 2 * k], sums[:, 2 * k : 3 * k]
    loss, correct = sums[:, 3 * k], sums[:, 3 * k + 1]
    total = support.sum(axis=1)
    f1 = _ratio(2 * hits, support + guessed)
    return {
        "accuracy": lambda: correct / total,
        "f1_macro": lambda: _mean_where(f1, (support + guessed) > 0),
        "f1_weighted": lambda: _ratio((f1 * support).sum(axis=1), total),
        "balanced_accuracy": lambda: _mean_where(_ratio(hits, support), support > 0),
        "log_loss": lambda: loss / total,
    }


def _abs_error_quantiles(weights: Array, sample: Sample, qs: tuple[float, ...]) -> list[Array]:
    """np.quantile (linear) of the absolute errors with rows repeated by their integer weight.

    In the sorted, repeated errors, position j belongs to the sorted row i with
    cum[i - 1] <= j < cum[i]: i is where j goes in cum, to the right of equal values. Offsetting
    each resample's running sum by a multiple of its range makes one sorted array, so a single
    search serves every resample.
    """
    order = sample.abs_error_order
    errors = np.abs(sample.predicted - sample.labels).astype(np.float64)[order]
    cum = np.cumsum(weights[:, order], axis=1)
    total, size = cum[:, -1], cum.shape[1]
    offset = np.arange(len(cum)) * (float(total.max(initial=0.0)) + 1.0)
    flat = (cum + offset[:, None]).ravel()
    start = np.arange(len(cum)) * size

    def row_at(position: Array) -> Array:
        found: Array = np.searchsorted(flat, position + offset, side="right") - start
        return np.clip(found, 0, max(size - 1, 0))

    found = []
    for q in qs:
        position = (total - 1) * q
        low = np.floor(position)
        at_low, at_high = row_at(low), row_at(np.minimum(low + 1, total - 1))
        value = errors[at_low] + (position - low) * (errors[at_high] - errors[at_low])
        found.append(np.where(total > 0, value, np.nan))
    return found


def _regression(weights: Array, sample: Sample) -> dict[str, Twin]:
    sums = weights @ sample.terms
    total, label_sum, label_squares, squared, absolute = (sums[:, i] for i in range(5))
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = label_squares - label_sum**2 / total  # total sum of squares about the mean
        constant = spread <= 1e-12 * np.maximum(label_squares, registry.EPS)
        r2 = np.where(constant, np.nan, 1.0 - squared / np.where(constant, 1.0, spread))
    quantiles: list[Array] = []

    def quantile(i: int) -> Array:
        if not quantiles:  # both share one sort and one running sum
            quantiles.extend(_abs_error_quantiles(weights, sample, (0.5, 0.9)))
        return quantiles[i]

    return {
        "rmse": lambda: np.sqrt(squared / total),
        "mae": lambda: absolute / total,
        "r2": lambda: r2,
        "abs_error_p50": lambda: quantile(0),
        "abs_error_p90": lambda: quantile(1),
    }


_TWINS = {"binary": _binary, "multiclass": _multiclass, "regression": _regression}


def _fallback(weights: Array, sample: Sample, name: str) -> Array:
    """The registry's compute on each weighting's rows, repeated by their (integer) weight."""
    metric = registry.get(name)
    values = np.empty(len(weights))
    for i, row in enumerate(weights):
        taken = sample.take(np.repeat(np.arange(len(row)), row.astype(np.int64)))
        values[i] = metric.compute(taken.labels, taken.scores, taken.predicted)
    return values


def weighted_metrics(
    weights: Array, sample: Sample, names: list[str], *, twins: bool = True
) -> dict[str, Array]:
    """Each named metric for each row of `weights` (shape: resamples x rows).

    A name the registry does not know, or that does not apply to the sample's task, is a
    `ValueError`. `twins=False` forces the slow path (tests compare both).
    """
    for name in names:
        if sample.task not in registry.get(name).tasks:
            raise ValueError(f"metric '{name}' does not apply to task '{sample.task}'")
    computed = _TWINS[sample.task](weights, sample) if twins else {}
    return {
        name: computed[name]() if name in computed else _fallback(weights, sample, name)
        for name in names
    }
