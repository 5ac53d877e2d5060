"""The validate stage: every check of prepare, run first, with a stamp that depends on data only."""

import json
from pathlib import Path

import pandas as pd
import pytest

from tabml.config import Params
from tabml.contract import Contract
from tabml.errors import TabmlError
from tabml.stages.prepare import check_all, empty_columns
from tabml.stages.validate import stamp_warnings, validate_inputs


def test_stamp_counts_the_table(raw: pd.DataFrame, contract: Contract, params: Params) -> None:
    stamp = validate_inputs(raw, contract, params, "x.csv")
    assert stamp == {
        "source": "x.csv",
        "rows": 600,
        "columns": 15,
        "empty_columns": [],
        "warnings": [],
    }


def test_stamp_ignores_params_outside_data(
    raw: pd.DataFrame, contract: Contract, params: Params
) -> None:
    other = params.model_copy(
        update={
            "evaluate": params.evaluate.model_copy(update={"threshold": 0.2}),
            "split": params.split.model_copy(update={"seed": 3}),
        }
    )
    assert validate_inputs(raw.copy(), contract, other, "x.csv") == validate_inputs(
        raw, contract, params, "x.csv"
    )


def test_check_all_refuses_what_clean_refuses(
    raw: pd.DataFrame, contract: Contract, params: Params
) -> None:
    data = params.data.model_copy(update={"id_column": "age"})
    with pytest.raises(
        TabmlError, match=r"column 'age' \(data.id_column\) has \d+ duplicate values"
    ):
        check_all(raw, contract, data, params.split, "x.csv")


def test_check_all_coerces_in_place(raw: pd.DataFrame, contract: Contract, params: Params) -> None:
    """No copy of the table: the only reader after the check is garbage collection."""
    check_all(raw, contract, params.data, params.split, "x.csv")
    assert str(raw["age"].dtype) == "Int64"


def test_empty_columns_leave_out_dropped_ones(raw: pd.DataFrame, params: Params) -> None:
    raw["occupation"] = None
    raw["fnlwgt"] = None
    assert empty_columns(raw, params.data) == ["occupation"]


def test_stamp_warnings_for_the_report(tmp_path: Path) -> None:
    path = tmp_path / "validated.json"
    assert stamp_warnings(path) == ()  # not validated yet: nothing to say
    path.write_text(json.dumps({"warnings": ["x.csv: column 'a' is entirely missing"]}))
    assert stamp_warnings(path) == ("x.csv: column 'a' is entirely missing",)
    path.write_text("not json")
    assert stamp_warnings(path) == ()
