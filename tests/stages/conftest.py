"""Fixtures for stage unit tests: the committed sample, validated params and prepared splits."""

from pathlib import Path

import pandas as pd
import pytest

from tabml import io
from tabml.config import Params, load_params
from tabml.contract import Contract, load_contract
from tabml.stages.prepare import prepare


@pytest.fixture
def params(project: Path) -> Params:
    return load_params(project / "params.yaml")


@pytest.fixture
def contract(params: Params) -> Contract:
    return load_contract(params.data.contract)


@pytest.fixture
def raw(params: Params, contract: Contract) -> pd.DataFrame:
    return io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())


@pytest.fixture
def splits(
    raw: pd.DataFrame, contract: Contract, params: Params
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return prepare(raw, contract, params.data, params.split, "sample.csv")
