"""PSI, KS and chi-square on inputs whose answers are known by hand or by construction."""

import math

import numpy as np
import pandas as pd
import pytest

from tabml.monitor import stats


def test_psi_of_identical_distributions_is_zero() -> None:
    assert stats.psi(np.array([10, 30, 60]), np.array([1, 3, 6])) == pytest.approx(0.0, abs=1e-12)


def test_psi_of_a_two_bin_case_computed_by_hand() -> None:
    # shares 0.5/0.5 -> 0.25/0.75: (0.25-0.5)ln(0.25/0.5) + (0.75-0.5)ln(0.75/0.5) = 0.25 ln 3
    assert stats.psi(np.array([50, 50]), np.array([25, 75])) == pytest.approx(0.25 * math.log(3))


def test_psi_is_symmetric() -> None:
    a, b = np.array([5, 20, 75]), np.array([30, 30, 40])
    assert stats.psi(a, b) == pytest.approx(stats.psi(b, a))


def test_an_empty_bin_gets_epsilon_and_psi_stays_finite() -> None:
    # all of the current sample falls in a bin the reference never had
    value = stats.psi(np.array([100, 0]), np.array([0, 100]))
    expected = 2 * (1 - stats.EPSILON) * math.log(1 / stats.EPSILON)
    assert value == pytest.approx(expected)


def test_psi_refuses_mismatched_bins() -> None:
    with pytest.raises(ValueError, match="same length"):
        stats.psi(np.array([1, 2]), np.array([1, 2, 3]))


def test_quantile_bins_hold_equal_shares_of_the_reference() -> None:
    reference = np.arange(1000, dtype=float)
    cuts = stats.quantile_cuts(reference, 10)
    assert len(cuts) == 9
    assert stats.binned_counts(reference, cuts).tolist() == [100] * 10


def test_a_point_mass_merges_quantile_bins() -> None:
    # 90% zeros (like capital-gain): the repeated quantiles collapse into one bin at 0
    reference = np.concatenate([np.zeros(900), np.arange(1, 101, dtype=float)])
    counts = stats.binned_counts(reference, stats.quantile_cuts(reference, 10))
    assert counts[0] == 900
    assert counts.sum() == 1000


def test_numeric_psi_is_small_for_samples_of_one_distribution_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    reference, same = rng.normal(40, 10, 20_000), rng.normal(40, 10, 5_000)
    assert stats.numeric_psi(reference, same, 10) < 0.01
    assert stats.numeric_psi(reference, same + 10, 10) > 0.5


def test_ks_separates_a_shift_from_noise() -> None:
    rng = np.random.default_rng(1)
    reference = rng.normal(0, 1, 5_000)
    _, p_same = stats.ks(reference, rng.normal(0, 1, 2_000))
    statistic, p_shift = stats.ks(reference, rng.normal(1, 1, 2_000))
    assert p_same > 0.01
    assert p_shift < 1e-10
    assert statistic > 0.3


def test_category_counts_cover_both_samples() -> None:
    counts = stats.category_counts(pd.Series(["a", "a", "b"]), pd.Series(["b", "c"]))
    assert counts.to_dict(orient="index") == {
        "a": {"reference": 2, "current": 0},
        "b": {"reference": 1, "current": 1},
        "c": {"reference": 0, "current": 1},
    }


def test_chi_square_matches_the_formula_on_a_two_by_two_table() -> None:
    counts = stats.category_counts(
        pd.Series(["x"] * 60 + ["y"] * 40), pd.Series(["x"] * 40 + ["y"] * 60)
    )
    statistic, p_value = stats.chi_square(counts)
    # expected 50 in every cell: 4 * (10^2 / 50) = 8 on 1 degree of freedom
    assert statistic == pytest.approx(8.0)
    assert p_value == pytest.approx(math.erfc(math.sqrt(8.0 / 2)))


def test_chi_square_of_a_single_category_is_no_evidence() -> None:
    counts = stats.category_counts(pd.Series(["x"] * 5), pd.Series(["x"] * 7))
    assert stats.chi_square(counts) == (0.0, 1.0)


def test_rare_categories_are_pooled_and_common_ones_kept() -> None:
    reference = pd.Series(["a"] * 500 + ["b"] * 480 + ["c"] * 10 + ["d"] * 10)
    current = pd.Series(["a"] * 50 + ["b"] * 48 + ["c", "e"])
    pooled = stats.pool_rare(stats.category_counts(reference, current))
    # c, d (expected 1 each in 100 rows) and the unseen e are pooled
    assert pooled.to_dict(orient="index") == {
        "a": {"reference": 500, "current": 50},
        "b": {"reference": 480, "current": 48},
        stats.OTHER: {"reference": 20, "current": 2},
    }
    assert stats.categorical_psi(pooled) == pytest.approx(0.0, abs=1e-12)


def test_pooling_keeps_a_table_without_rare_categories() -> None:
    counts = stats.category_counts(pd.Series(["a", "b"] * 50), pd.Series(["a", "b"] * 20))
    pd.testing.assert_frame_equal(stats.pool_rare(counts), counts)
