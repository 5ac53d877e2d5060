"""The HTTP cases: a real `tabml serve` of the good model, its request log on, refuses each bad
request with a small answer and logs nothing, and scores and logs a good one (the control)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bad_inputs.corpus import case_id, digests
from tests.bad_inputs.fork_server import ForkServer

GOOD_RECORD = {"age": 40, "balance": 120.5, "plan": "basic", "region": "north"}


@dataclass(frozen=True)
class Http:
    """A request to the server: answered `status`, its first problem naming `field` (a regex)."""

    id: str
    send: Callable[[httpx.Client], httpx.Response]
    status: int
    field: str | None


def post(body: object, content_type: str = "application/json") -> Callable[..., httpx.Response]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda client: client.post(
        "/predict", content=content, headers={"content-type": content_type}
    )


def batch(*changes: dict[str, Any]) -> dict[str, Any]:
    """A body of good records, one per change (a value of ... removes the field)."""
    merged = ({**GOOD_RECORD, **change} for change in changes or ({},))
    return {"records": [{k: v for k, v in r.items() if v is not ...} for r in merged]}


def chunked(client: httpx.Client) -> httpx.Response:
    """32 kB with no Content-Length: the limit is counted as the body streams in."""
    headers = {"content-type": "application/json"}
    return client.post("/predict", content=iter([b" " * 8_000] * 4), headers=headers)


R0, JSON = r"records\[0\]\.", "application/json"
NAN = b'{"records": [{"age": 40, "balance": NaN, "plan": "basic"}]}'
HTTP = [
    Http("text/plain body", post(batch(), "text/plain"), 415, "content-type"),
    Http("latin-1 charset", post(batch(), f"{JSON}; charset=latin-1"), 415, "content-type"),
    Http("body over the limit", post(b"{" + b" " * 25_000 + b"}"), 413, "body"),
    Http("chunked body over the limit", chunked, 413, "body"),
    Http("invalid JSON", post(b'{"records": [}'), 422, "body"),
    Http("records not a list", post({"records": GOOD_RECORD}), 422, "records"),
    Http("missing field", post(batch({"age": ...})), 422, R0 + "age"),
    Http("unknown field", post(batch({"colour": "red"})), 422, R0 + "colour"),
    Http("target as input", post(batch({"churned": "yes"})), 422, R0 + "churned"),
    Http("out-of-range value", post(batch({"age": 150})), 422, R0 + "age"),
    Http("unknown category", post(batch({"plan": "gold"})), 422, R0 + "plan"),
    Http("string for a number", post(batch({"age": "40"})), 422, R0 + "age"),
    Http("null where not nullable", post(batch({"plan": None})), 422, R0 + "plan"),
    Http("NaN", post(NAN), 422, R0 + "balance"),
    Http("huge string", post(batch({"plan": "x" * 15_000})), 422, R0 + "plan"),
    Http("huge field name", post(batch({"k" * 15_000: 1})), 422, R0 + "'k+…'"),
    Http("empty batch", post({"records": []}), 422, "records"),
    Http("over max_batch", post(batch(*[{}] * 6)), 422, "records"),
    Http("unknown top-level field", post({**batch(), "threshold": 0.1}), 422, "threshold"),
    Http("wrong method", lambda client: client.get("/predict"), 405, None),
]


@dataclass(frozen=True)
class Served:
    client: httpx.Client
    root: Path  # the served project: its request log goes to logs/requests.jsonl


@pytest.fixture(scope="module")
def served(
    good_project: Path, fork_server: ForkServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """`tabml serve` on a copy of the good project, on a free port of 127.0.0.1 (a detached
    child of the fork server: the CLI cases already paid for its imports)."""
    shutil.copytree(good_project, root := tmp_path_factory.mktemp("served") / "project")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out, err = root.parent / "server.out", root.parent / "server.err"
    args = ["serve", "--port", str(port)]
    job = {"cwd": str(root), "env": {}, "args": args, "out": str(out), "err": str(err)}
    pid = fork_server.ask({**job, "detach": True})
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as client:
            deadline = time.monotonic() + 90
            while not healthy(client):
                assert time.monotonic() < deadline, out.read_text() + err.read_text()
                time.sleep(0.1)
            yield Served(client, root)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def healthy(client: httpx.Client) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return client.get("/health").status_code == 200
    return False


@pytest.mark.parametrize("case", HTTP, ids=case_id)
def test_a_bad_request_is_refused_with_a_small_answer_and_not_logged(
    case: Http, served: Served
) -> None:
    before = digests(served.root)
    response = case.send(served.client)
    assert response.status_code == case.status, response.text[:500]
    assert len(response.content) <= 2_000 and "Traceback" not in response.text
    detail = response.json()["detail"]
    problems = detail if isinstance(detail, list) else [{"field": "", "reason": detail}]
    for problem in problems:
        assert len(problem["reason"]) <= 300 and "\n" not in problem["reason"], problem
        assert len(json.dumps(problem.get("input"))) <= 90, problem  # echoes are cut at 80
    assert case.field is None or re.fullmatch(case.field, problems[0]["field"]), problems
    assert digests(served.root) == before  # the request log included


def test_a_good_request_is_scored_and_logged(served: Served) -> None:
    """The control: the same server logs what it scores, so an unchanged log means something."""
    before = digests(served.root)
    response = post(batch({}, {"region": None}))(served.client)
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == 2
    assert digests(served.root).keys() - before.keys() <= {"logs/requests.jsonl"}
    assert digests(served.root) != before
