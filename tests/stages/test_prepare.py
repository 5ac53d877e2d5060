"""prepare: validation, cleaning and a stratified, seeded split."""

import pandas as pd
import pytest

from tabml.config import Params
from tabml.contract import Contract
from tabml.errors import TabmlError
from tabml.paths import ROW_ID
from tabml.stages.prepare import clean, prepare


def test_split_sizes_and_stratification(splits: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, test = splits
    assert len(train) + len(test) == 600
    assert len(test) == 120
    assert abs(train["income"].mean() - test["income"].mean()) < 0.01
    assert set(train[ROW_ID]).isdisjoint(test[ROW_ID])


def test_cleaning_drops_encodes_and_keeps_groups(splits: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = splits
    assert "fnlwgt" not in train.columns
    assert set(train["income"].unique()) == {0, 1}
    assert {"gender", "race"} <= set(train.columns)
    assert train[ROW_ID].is_unique


def test_same_seed_same_split(raw: pd.DataFrame, contract: Contract, params: Params) -> None:
    first = prepare(raw, contract, params.data, params.split, "x")[1]
    second = prepare(raw, contract, params.data, params.split, "x")[1]
    pd.testing.assert_frame_equal(first, second)
    other = prepare(raw, contract, params.data, params.split.model_copy(update={"seed": 7}), "x")
    assert not first[ROW_ID].equals(other[1][ROW_ID])


def test_id_column_must_be_unique(raw: pd.DataFrame, params: Params) -> None:
    data = params.data.model_copy(update={"id_column": "age"})
    with pytest.raises(TabmlError, match="column 'age' \\(data.id_column\\) has .* duplicate"):
        clean(raw, data, "x.csv")


def test_positive_label_must_occur(raw: pd.DataFrame, params: Params) -> None:
    data = params.data.model_copy(update={"positive_label": ">50k"})
    with pytest.raises(TabmlError, match="never has the positive label '>50k'"):
        clean(raw, data, "x.csv")


def test_params_must_name_contract_columns(
    raw: pd.DataFrame, contract: Contract, params: Params
) -> None:
    data = params.data.model_copy(update={"groups": ["sex"]})
    with pytest.raises(TabmlError, match="data.groups names column 'sex'"):
        prepare(raw, contract, data, params.split, "x.csv")


def test_splits_keep_text_as_categoricals_with_python_string_categories(
    splits: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """A code per row instead of a string (tabml.frames), in memory and in the parquet files."""
    for half in splits:
        for name in ("workclass", "race", "gender"):
            assert isinstance(half[name].dtype, pd.CategoricalDtype)
            assert half[name].cat.categories.dtype == object
        assert not isinstance(half["age"].dtype, pd.CategoricalDtype)
