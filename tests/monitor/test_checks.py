"""The single checks of a drift report on small synthetic series whose answer is known: a column
shifted or not, unseen categories, missing rates, the scores and the order shown (performance:
test_outputs)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tabml.config import MonitorParams
from tabml.contract import ColumnSpec, Contract
from tabml.monitor.checks import (
    categorical_drift,
    feature_drift,
    format_p,
    missing_rates,
    number,
    prediction_drift,
    severity_order,
)

PARAMS = MonitorParams()


@pytest.fixture
def rng() -> np.random.Generator:
    """The same draws for each test, whichever tests run."""
    return np.random.default_rng(0)


def test_numbers_and_p_values_are_written_for_json_and_for_people() -> None:
    assert number(0.123456789) == 0.123457 and number(math.nan) is None and number(None) is None
    assert [format_p(p) for p in (0.5, 0.0004, 0.0, None)] == ["0.500", "4.0e-04", "< 1e-300", "-"]


def test_a_shifted_numeric_column_drifts_and_an_unshifted_one_does_not(
    rng: np.random.Generator,
) -> None:
    reference = pd.DataFrame({"age": rng.normal(40, 10, 2000), "hours": rng.normal(40, 5, 2000)})
    current = pd.DataFrame({"age": rng.normal(60, 10, 1000), "hours": rng.normal(40, 5, 1000)})
    found = feature_drift(reference, current, Contract(columns={}), PARAMS)
    assert found["age"]["drift"] and not found["hours"]["drift"]
    assert found["age"]["kind"] == "numeric" and found["age"]["test"] == "ks"
    assert abs(found["age"]["current_mean"] - 60) < 1.5
    assert [name for name, _ in severity_order(found)] == ["age", "hours"]


def test_categories_unseen_in_the_reference_are_counted_and_flagged_by_share(
    rng: np.random.Generator,
) -> None:
    reference = pd.Series(rng.choice(["a", "b"], 2000))
    current = pd.Series(list(rng.choice(["a", "b"], 980)) + ["new"] * 20)
    found = categorical_drift(reference, current, PARAMS)
    assert found["new_categories"] == {"new": 20} and found["new_category_rate"] == 0.02
    assert found["new_category_flag"]  # 2% of rows, over the 1% default
    assert found["largest_change"]["category"] == "new"
    few = pd.Series(list(rng.choice(["a", "b"], 995)) + ["new"] * 5)  # 0.5% of rows
    rare = categorical_drift(reference, few, PARAMS)
    assert rare["new_categories"] == {"new": 5} and not rare["new_category_flag"]


def test_the_contract_decides_the_kind_and_columns_without_values_are_skipped(
    rng: np.random.Generator,
) -> None:
    contract = Contract(columns={"code": ColumnSpec(type="category")})
    reference = pd.DataFrame({"code": rng.integers(0, 3, 500), "gone": np.nan})
    current = pd.DataFrame({"code": rng.integers(0, 3, 500), "gone": 1.0})
    found = feature_drift(reference, current, contract, PARAMS)
    assert list(found) == ["code"] and found["code"]["kind"] == "categorical"


def test_a_missing_rate_moving_past_the_threshold_is_flagged() -> None:
    reference = pd.DataFrame({"x": [1.0] * 95 + [np.nan] * 5, "y": [1.0] * 100})
    current = pd.DataFrame({"x": [1.0] * 80 + [np.nan] * 20, "y": [1.0] * 97 + [np.nan] * 3})
    found = missing_rates(reference, current, PARAMS)
    assert found["x"] == {"reference": 0.05, "current": 0.2, "change": 0.15, "flag": True}
    assert not found["y"]["flag"]


def test_scores_drift_when_their_distribution_moves(rng: np.random.Generator) -> None:
    reference = rng.uniform(0, 1, 2000)
    moved = prediction_drift(reference, rng.uniform(0.5, 1, 1000), PARAMS, threshold=0.5)
    assert moved["drift"] and moved["current_positive_rate"] == 1.0
    same = prediction_drift(reference, rng.uniform(0, 1, 1000), PARAMS, threshold=0.5)
    assert not same["drift"]
