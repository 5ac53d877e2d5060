"""Drift statistics on two samples: PSI, Kolmogorov-Smirnov and chi-square.

Inputs are the non-missing values of one column (or the scores) in the reference and in the
current data; missing values are measured separately, as a data-quality rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

# Share given to a bin that one sample leaves empty, so that PSI stays finite.
EPSILON = 1e-4
# Categories expected fewer times than this in the current sample are pooled (chi-square's rule).
MIN_EXPECTED = 5.0
OTHER = "(other)"

Floats = NDArray[np.float64]


def psi(reference: NDArray[Any], current: NDArray[Any]) -> float:
    """Population stability index of two count (or share) vectors over the same bins.

    PSI = sum((c - r) * ln(c / r)) over bins, with r and c the bins' shares and empty bins given
    the share `EPSILON`. 0 means identical; above 0.2 is conventionally a significant shift.
    """
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    if ref.shape != cur.shape or ref.sum() <= 0 or cur.sum() <= 0:
        raise ValueError("psi needs two non-empty count vectors of the same length")
    ref_share = np.maximum(ref / ref.sum(), EPSILON)
    cur_share = np.maximum(cur / cur.sum(), EPSILON)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def quantile_cuts(reference: Floats, bins: int) -> Floats:
    """Interior cut points at the reference's quantiles; repeated quantiles merge bins."""
    levels = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    return np.unique(np.quantile(reference, levels))


def binned_counts(values: Floats, cuts: Floats) -> NDArray[np.int64]:
    """Counts per bin for bins (-inf, c1], (c1, c2], ..., (ck, inf)."""
    index = np.searchsorted(cuts, values, side="left")
    return np.bincount(index, minlength=len(cuts) + 1).astype(np.int64)


def numeric_psi(reference: Floats, current: Floats, bins: int) -> float:
    """PSI of a numeric column on (at most) `bins` quantile bins of the reference."""
    cuts = quantile_cuts(reference, bins)
    return psi(binned_counts(reference, cuts), binned_counts(current, cuts))


def category_counts(reference: pd.Series, current: pd.Series) -> pd.DataFrame:
    """Counts of each category (the union of both samples) in the reference and current."""
    table = pd.DataFrame(
        {
            "reference": reference.astype(str).value_counts(),
            "current": current.astype(str).value_counts(),
        }
    )
    return table.fillna(0).astype(np.int64).sort_index()


def pool_rare(counts: pd.DataFrame, min_expected: float = MIN_EXPECTED) -> pd.DataFrame:
    """Merge the categories expected fewer than `min_expected` times in the current sample.

    Chi-square's approximation needs expected counts of about 5 or more, and a handful of rows in
    rare categories would otherwise dominate the PSI of a small batch. A shift into or out of rare
    categories still shows, as a shift of the pooled row.
    """
    expected = counts["reference"] / counts["reference"].sum() * counts["current"].sum()
    rare = expected < min_expected
    if rare.sum() < 2:
        return counts
    pooled = counts[~rare].copy()
    pooled.loc[OTHER] = counts[rare].sum()
    return pooled


def categorical_psi(counts: pd.DataFrame) -> float:
    """PSI over categories, from `category_counts`."""
    return psi(counts["reference"].to_numpy(), counts["current"].to_numpy())


def chi_square(counts: pd.DataFrame) -> tuple[float, float]:
    """Chi-square test of homogeneity (statistic, p-value) on the 2 x k table of counts."""
    if len(counts) < 2:
        return 0.0, 1.0
    result = stats.chi2_contingency(counts.to_numpy().T, correction=False)
    return float(result.statistic), float(result.pvalue)


def ks(reference: Floats, current: Floats) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov test (statistic, p-value)."""
    result = stats.ks_2samp(reference, current)
    return float(result.statistic), float(result.pvalue)
