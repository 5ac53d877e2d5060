"""The request model built from a data contract, checked without a server."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from pydantic import ValidationError

from tabml.config import DataParams
from tabml.contract import Contract
from tabml.errors import TabmlError
from tabml.serve.schemas import (
    build_record_schema,
    build_request_model,
    class_labels,
    example_record,
    model_columns,
)

CONTRACT = Contract.model_validate(
    {
        "columns": {
            "id": {"type": "integer"},
            "ratio": {"type": "number", "min": 0, "max": 1, "nullable": True},
            "amount": {"type": "number"},
            "city": {"type": "category"},
            "plan": {"type": "category", "categories": ["basic", "pro"]},
            "region": {"type": "category", "categories": ["north", "south"]},
            "noise": {"type": "integer"},
            "churned": {"type": "integer", "min": 0, "max": 1},
        }
    }
)
DATA = DataParams(
    path="data/raw/churn.csv",
    contract="data/churn.contract.yaml",
    target="churned",
    positive_label=1,
    id_column="id",
    drop=["noise"],
    groups=["region"],
)
VALID = {"ratio": 0.5, "amount": -3.25, "city": "Oslo", "plan": "pro"}


def errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(last part of the location, error type) of each problem with one record."""
    model = build_record_schema(CONTRACT, DATA).model
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(json.dumps(body))
    return [(str(e["loc"][-1]), e["type"]) for e in caught.value.errors()]


def test_columns_leave_out_target_id_and_dropped_and_make_groups_optional() -> None:
    assert model_columns(CONTRACT, DATA) == (["ratio", "amount", "city", "plan"], ["region"])
    schema = build_record_schema(CONTRACT, DATA)
    assert list(schema.features) == ["ratio", "amount", "city", "plan"]
    assert list(schema.optional) == ["region"]
    record = schema.model.model_validate_json(json.dumps(VALID))
    assert getattr(record, schema.features["city"]) == "Oslo"
    assert getattr(record, schema.optional["region"]) is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"amount": None}, ("amount", "float_type")),
        ({"ratio": 1.5}, ("ratio", "less_than_equal")),
        ({"amount": math.inf}, ("amount", "finite_number")),
        ({"amount": math.nan}, ("amount", "finite_number")),
        ({"amount": "3"}, ("amount", "float_type")),
        ({"city": 3}, ("city", "string_type")),
        ({"plan": "gold"}, ("plan", "literal_error")),
        ({"region": "east"}, ("region", "literal_error")),
        ({"id": 7}, ("id", "extra_forbidden")),
        ({"churned": 1}, ("churned", "extra_forbidden")),
        ({"noise": 1}, ("noise", "extra_forbidden")),
    ],
)
def test_contract_rules_become_validation_errors(
    change: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert errors({**VALID, **change}) == [expected]


def test_nullable_numbers_accept_null_and_integers_count_as_numbers() -> None:
    model = build_record_schema(CONTRACT, DATA).model
    model.model_validate_json(json.dumps({**VALID, "ratio": None, "amount": 3}))


def test_the_request_bounds_its_batch() -> None:
    request = build_request_model(build_record_schema(CONTRACT, DATA).model, max_batch=2)
    request.model_validate_json(json.dumps({"records": [VALID, VALID]}))
    for records in ([], [VALID] * 3):
        with pytest.raises(ValidationError):
            request.model_validate_json(json.dumps({"records": records}))


def test_the_example_record_is_valid() -> None:
    schema = build_record_schema(CONTRACT, DATA)
    example = example_record(CONTRACT, list(schema.features))
    schema.model.model_validate(example)


def test_class_labels() -> None:
    assert class_labels(CONTRACT, DATA) == (1, 0)
    text = DATA.model_copy(update={"target": "plan", "positive_label": "pro"})
    assert class_labels(CONTRACT, text) == ("pro", "basic")
    other = DATA.model_copy(update={"target": "city", "positive_label": "Oslo"})
    assert class_labels(CONTRACT, other) == ("Oslo", "not Oslo")


def test_a_contract_with_no_feature_left_is_refused() -> None:
    data = DATA.model_copy(update={"drop": ["noise", "ratio", "amount", "city", "plan"]})
    with pytest.raises(TabmlError, match="no feature columns left"):
        model_columns(CONTRACT, data)
