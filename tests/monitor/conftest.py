"""Fixtures for the drift tests: the full default data in two halves, and a sample of half B."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.monitor.split_data import Halves, build_halves


@pytest.fixture(scope="session")
def halves() -> Halves:
    """Read data/raw/adult.csv once; fit a small model on half A; half B is the current data."""
    return build_halves()


@pytest.fixture
def batch(halves: Halves) -> pd.DataFrame:
    """A 3000-row sample of half B (a fresh copy for each test to change)."""
    return halves.current.sample(3000, random_state=1).reset_index(drop=True)
