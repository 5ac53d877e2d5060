"""Refusals that stay cheap and small, over real HTTP: POSTs not declared JSON get a 415 and are
never logged; a 422 never echoes more than a capped value, whatever the request held."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tabml.errors import shown
from tabml.serve.guard import ECHO_LIMIT, MAX_LISTED, is_json
from tests.serve.servers import DEFAULT_MAX_BODY, JSON, RELEASE_MAX_BATCH, RELEASE_MAX_BODY, Server

SMALL_ANSWER = 2_000  # bytes: a refusal of any request fits in this


def last_logged(server: Server) -> str:
    """The newest request log line (rotation happens before a write, so it is in the file)."""
    return server.log_path.read_text().splitlines()[-1]


# --- 415: JSON only -------------------------------------------------------------------------

NOT_JSON = [
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "application/json; charset=latin-1",
    None,
]


@pytest.mark.parametrize("content_type", NOT_JSON, ids=[str(t) for t in NOT_JSON])
def test_a_post_that_is_not_declared_json_is_refused_and_not_logged(
    client: httpx.Client, release_server: Server, record: dict[str, Any], content_type: str | None
) -> None:
    """A web page can POST text/plain to localhost without asking; it must not be scored."""
    body = json.dumps({"records": [record]}).encode()
    assert client.post("/predict", content=body, headers=JSON).status_code == 200
    newest = last_logged(release_server)
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/predict", content=body, headers=headers)
    assert response.status_code == 415, response.text
    [problem] = response.json()["detail"]
    assert (problem["field"], problem["type"]) == ("content-type", "unsupported_media_type")
    assert "application/json" in problem["reason"]
    assert last_logged(release_server) == newest, "a refused request was logged"


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_with_or_without_a_utf8_charset_is_scored(
    client: httpx.Client, record: dict[str, Any], content_type: str
) -> None:
    body = json.dumps({"records": [record]}).encode()
    response = client.post("/predict", content=body, headers={"content-type": content_type})
    assert response.status_code == 200, response.text


def test_content_type_rules() -> None:
    assert is_json('application/json; charset="UTF-8"')
    assert is_json("application/json ; foo=bar")
    assert not is_json("")
    assert not is_json("application/json-seq")


# --- 422: small bodies whatever was sent ----------------------------------------------------


def _long_value_cases(size: int) -> dict[str, tuple[bytes, str]]:
    """Bodies of about `size` bytes whose one problem carries a huge value: body, field."""
    big = "x" * size
    return {
        "long category": (json.dumps({"records": [{"workclass": big}]}).encode(), "workclass"),
        "long unknown key": (json.dumps({"records": [{big: 1}]}).encode(), "key"),
        "long text, not JSON": (big.encode(), "body"),
    }


@pytest.mark.parametrize("case", ["long category", "long unknown key", "long text, not JSON"])
@pytest.mark.parametrize("server_name", ["release", "plain"])
def test_a_long_value_comes_back_cut_in_a_small_422(
    servers: dict[str, Server], record: dict[str, Any], server_name: str, case: str
) -> None:
    """Just under each server's limit (90 kB; 3.99 MB on the default), the echo is capped. (The
    body itself was never echoed; that case guards it.)"""
    size = {"release": RELEASE_MAX_BODY, "plain": DEFAULT_MAX_BODY}[server_name] - 10_000
    body, where = _long_value_cases(size)[case]
    if where != "body":  # make the one long value the only problem of a valid record
        parsed = json.loads(body)
        parsed["records"][0] = {**record, **parsed["records"][0]}
        body = json.dumps(parsed).encode()
    url = servers[server_name].url
    response = httpx.post(f"{url}/predict", content=body, headers=JSON, timeout=60.0)
    assert response.status_code == 422, response.text[:300]
    assert len(response.content) < SMALL_ANSWER, f"a 422 of {len(response.content)} bytes"
    [problem] = response.json()["detail"]
    if where == "workclass":
        assert problem["field"] == "records[0].workclass"
        assert problem["input"] == shown("x" * size, limit=ECHO_LIMIT)
    elif where == "key":
        assert problem["field"] == f"records[0].{shown('x' * size, limit=ECHO_LIMIT)}"
        assert problem["type"] == "extra_forbidden"
    else:
        assert (problem["field"], problem["type"]) == ("body", "json_invalid")
        assert "input" not in problem, "the body itself is never echoed"
        return
    echoed = problem["field"].removeprefix("records[0].") if where == "key" else problem["input"]
    assert len(echoed) <= ECHO_LIMIT and "…" in echoed


def test_a_number_is_echoed_as_a_number_when_short_and_cut_when_long(
    client: httpx.Client, record: dict[str, Any]
) -> None:
    short = client.post("/predict", json={"records": [{**record, "age": 10**20}]})
    [problem] = short.json()["detail"]
    assert problem["input"] == 10**20
    long = client.post("/predict", json={"records": [{**record, "age": 10**200}]})
    [problem] = long.json()["detail"]
    assert problem["type"] == "less_than_equal"
    assert problem["input"] == shown(10**200, limit=ECHO_LIMIT)
    assert len(problem["input"]) == ECHO_LIMIT and problem["input"].endswith("…")


def test_a_422_lists_at_most_a_hundred_problems_then_counts_the_rest(client: httpx.Client) -> None:
    response = client.post("/predict", json={"records": [{}] * RELEASE_MAX_BATCH})
    assert response.status_code == 422
    detail = response.json()["detail"]
    missing = RELEASE_MAX_BATCH * len(client.get("/metadata").json()["features"])
    assert missing > MAX_LISTED
    assert len(detail) == MAX_LISTED + 1
    assert all(problem["type"] == "missing" for problem in detail[:-1])
    assert detail[-1] == {
        "field": "body",
        "reason": f"and {missing - MAX_LISTED} more problems not listed",
        "type": "too_many_errors",
    }
