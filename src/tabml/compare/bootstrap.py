"""Seeded bootstrap confidence intervals for metric deltas between two revisions.

Resamples are drawn as row counts (a multinomial draw per resample), and every metric is computed
for all resamples at once by its weighted twin (twins.py), so 1,000 resamples of 10k rows take
about a second, whatever the task. Paired: both revisions scored the same rows, and one draw
weights both. Unpaired: each revision's rows are drawn independently (used when the test set
itself changed). Progress (resamples done of all) goes to stderr when it takes a while.

Bounded at any size: past `max_rows` rows (`report.bootstrap.max_rows`) the resamples are drawn
from a seeded subsample of that many rows (the same rows on both sides when paired), and each
resampled value v is mapped to `full + sqrt(m / n) * (v - sub)`, where `full` and `sub` are the
metric on all n rows and on the m subsampled rows: a metric's spread shrinks as one over the
square root of the rows, so the interval keeps the width it would have on all n rows, centred on
the full point value. Below the cap nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tabml import metrics as registry
from tabml.compare.sample import Array, Sample
from tabml.compare.twins import weighted_metrics
from tabml.progress import track

__all__ = [
    "Delta",
    "Interval",
    "Sample",
    "bootstrap_deltas",
    "bootstrap_intervals",
    "weighted_metrics",
]
_CHUNK = 250  # resamples per block: bounds memory at about 20 MB per 10k rows


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
    """Bootstrap row counts (resamples x rows): each resample draws `rows` rows with replacement.

    Laid out column-major (each row's counts over the resamples side by side), so that the
    twins' gathers of rows in score order copy contiguous blocks: about twice as fast."""
    draws = (
        rng.integers(0, rows, size=(resamples, rows)) * resamples + np.arange(resamples)[:, None]
    )
    counts = np.bincount(draws.ravel(), minlength=resamples * rows)
    return counts.reshape(rows, resamples).astype(np.float64).T


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


@dataclass(frozen=True)
class _Bounded:
    """The rows a bootstrap resamples (all, or a subsample), and how to map a resampled value
    back to the full sample's scale."""

    sample: Sample
    full: dict[str, float]
    sub: dict[str, float]
    scale: float

    def rescaled(self, name: str, values: Array) -> Array:
        if self.scale == 1.0:
            return values
        return self.full[name] + self.scale * (values - self.sub[name])


def _subsample_rows(rows: int, max_rows: int | None, seed: int) -> Array | None:
    """Seeded sorted positions of `max_rows` of `rows` rows, or None when all of them fit."""
    if max_rows is None or rows <= max_rows:
        return None
    rng = np.random.default_rng((seed, rows, max_rows))  # apart from the resamples' stream
    return np.sort(rng.choice(rows, size=max_rows, replace=False))


def _bounded(sample: Sample, names: list[str], kept: Array | None) -> _Bounded:
    full = _point(sample, names)
    if kept is None:
        return _Bounded(sample, full, full, 1.0)
    small = sample.take(kept)
    return _Bounded(
        small, full, _point(small, names), float(np.sqrt(len(kept) / len(sample.labels)))
    )


def bootstrap_deltas(
    base: Sample,
    pr: Sample,
    names: list[str],
    *,
    paired: bool,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    max_rows: int | None = None,
) -> list[Delta]:
    """Point deltas and percentile intervals of PR minus base for each metric.

    With `paired=True`, `base` and `pr` must hold the same rows in the same order, and each
    resample weights the same rows on both sides. Past `max_rows` rows, see the module's note.
    """
    if paired and len(base.labels) != len(pr.labels):
        raise ValueError("a paired bootstrap needs the same rows in both revisions")
    kept_base = _subsample_rows(len(base.labels), max_rows, seed)
    kept_pr = kept_base if paired else _subsample_rows(len(pr.labels), max_rows, seed + 1)
    side_base, side_pr = _bounded(base, names, kept_base), _bounded(pr, names, kept_pr)
    rng = np.random.default_rng(seed)
    diffs: dict[str, list[Array]] = {name: [] for name in names}
    with track("bootstrap", resamples, "resamples") as shown:
        for start in range(0, resamples, _CHUNK):
            size = min(_CHUNK, resamples - start)
            counts_base = _counts(rng, len(side_base.sample.labels), size)
            counts_pr = counts_base if paired else _counts(rng, len(side_pr.sample.labels), size)
            boot_base = weighted_metrics(counts_base, side_base.sample, names)
            boot_pr = weighted_metrics(counts_pr, side_pr.sample, names)
            for name in names:
                pr_values = side_pr.rescaled(name, boot_pr[name])
                diffs[name].append(pr_values - side_base.rescaled(name, boot_base[name]))
            shown.update(advance=size)
    point_base, point_pr = side_base.full, side_pr.full
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
    max_rows: int | None = None,
) -> list[Interval]:
    """Point value and percentile interval of each metric for one revision (e.g. a model card);
    past `max_rows` rows, see the module's note."""
    side = _bounded(sample, names, _subsample_rows(len(sample.labels), max_rows, seed))
    rng = np.random.default_rng(seed)
    draws: dict[str, list[Array]] = {name: [] for name in names}
    with track("bootstrap", resamples, "resamples") as shown:
        for start in range(0, resamples, _CHUNK):
            size = min(_CHUNK, resamples - start)
            counts = _counts(rng, len(side.sample.labels), size)
            for name, values in weighted_metrics(counts, side.sample, names).items():
                draws[name].append(side.rescaled(name, values))
            shown.update(advance=size)
    point = side.full
    return [Interval(name, point[name], *_percentiles(draws[name], confidence)) for name in names]
