"""Requests that break the data contract get a 422 naming the field and the reason, never a 500."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.serve.servers import RELEASE_MAX_BATCH

VALID: dict[str, Any] = {
    "age": 39,
    "workclass": "State-gov",
    "education": "Bachelors",
    "educational-num": 13,
    "marital-status": "Never-married",
    "occupation": "Adm-clerical",
    "relationship": "Not-in-family",
    "capital-gain": 2174,
    "capital-loss": 0,
    "hours-per-week": 40,
    "native-country": "United-States",
    "gender": "Male",
    "race": "White",
}


def one(**changes: Any) -> dict[str, Any]:
    """A body of one valid record with some fields changed (None in `changes` means null)."""
    return {"records": [{**VALID, **changes}]}


def without(field: str) -> dict[str, Any]:
    return {"records": [{k: v for k, v in VALID.items() if k != field}]}


def second_record(**changes: Any) -> dict[str, Any]:
    return {"records": [VALID, {**VALID, **changes}]}


R0 = "records[0]."
Body = dict[str, Any] | bytes
CASES: dict[str, tuple[Body, str, str]] = {
    # name: (body, field named in the error, words of the reason)
    "missing field": (without("age"), "records[0].age", "missing"),
    "missing nullable field": (without("occupation"), "records[0].occupation", "missing"),
    "unknown extra field": (one(colour="blue"), "records[0].colour", "not a model input"),
    "the target sent as input": (one(income=">50K"), "records[0].income", "not a model input"),
    "a dropped column": (one(fnlwgt=77516), "records[0].fnlwgt", "not a model input"),
    "text for an integer": (one(age="forty"), "records[0].age", "valid integer"),
    "numeric string for an integer": (one(age="39"), "records[0].age", "valid integer"),
    "fraction for an integer": (one(age=39.5), "records[0].age", "valid integer"),
    "boolean for an integer": (one(**{"hours-per-week": True}), f"{R0}hours-per-week", "integer"),
    "number for a category": (one(education=13), "records[0].education", "Input should be"),
    "unknown category": (one(workclass="Astronaut"), "records[0].workclass", "'Without-pay'"),
    "unknown group category": (one(gender="Robot"), "records[0].gender", "'Female' or 'Male'"),
    "above the maximum": (one(age=121), "records[0].age", "less than or equal to 120"),
    "below the minimum": (one(**{"capital-gain": -1}), f"{R0}capital-gain", "greater than"),
    "null for a category": (one(education=None), f"{R0}education", "Input should be"),
    "null in a non-nullable number": (one(age=None), "records[0].age", "valid integer"),
    "error in the second record": (second_record(age=200), "records[1].age", "less than or equal"),
    "empty batch": ({"records": []}, "records", "at least 1 item"),
    "batch over serve.max_batch": (
        {"records": [VALID] * (RELEASE_MAX_BATCH + 1)},
        "records",
        f"at most {RELEASE_MAX_BATCH} items",
    ),
    "records not a list": ({"records": VALID}, "records", "valid array"),
    "no records key": ({}, "records", "required but missing"),
    "unknown top-level key": ({"records": [VALID], "threshold": 0.1}, "threshold", "unknown"),
    "record not an object": ({"records": [[39, "State-gov"]]}, "records[0]", "object"),
    "not JSON": (b"records: [age: 39]", "body", "Invalid JSON"),
    "empty body": (b"", "body", "Invalid JSON"),
    "NaN for a number": (json.dumps(one(age=math.nan)).encode(), f"{R0}age", "valid integer"),
}


@pytest.mark.parametrize(("body", "field", "reason"), CASES.values(), ids=CASES.keys())
def test_bad_request_names_the_field_and_reason(
    client: httpx.Client, body: Body, field: str, reason: str
) -> None:
    if isinstance(body, bytes):
        response = client.post(
            "/predict", content=body, headers={"content-type": "application/json"}
        )
    else:
        response = client.post("/predict", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert [error["field"] for error in detail] == [field], detail
    assert reason in detail[0]["reason"], detail[0]


def test_every_problem_of_a_request_is_listed(client: httpx.Client) -> None:
    body = one(age=500, workclass="Astronaut", colour="blue")
    response = client.post("/predict", json=body)
    assert response.status_code == 422
    fields = {error["field"]: error for error in response.json()["detail"]}
    assert set(fields) == {"records[0].age", "records[0].workclass", "records[0].colour"}
    assert fields["records[0].age"]["input"] == 500
    assert fields["records[0].workclass"]["input"] == "Astronaut"


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.get("/predict"),
        lambda c: c.post("/health"),
        lambda c: c.get("/nowhere"),
    ],
    ids=["GET /predict", "POST /health", "unknown path"],
)
def test_wrong_method_or_path_is_a_client_error(
    client: httpx.Client, send: Callable[[httpx.Client], httpx.Response]
) -> None:
    assert send(client).status_code in {404, 405}


def test_a_valid_record_is_accepted(client: httpx.Client) -> None:
    """The base of every bad case above is itself valid, so each case tests only its change."""
    response = client.post("/predict", json=one())
    assert response.status_code == 200, response.text
