"""The body size limit over real HTTP: bodies over serve.max_body_bytes get a 413 before they
are read (Content-Length) or as soon as they pass it (chunked), and the setting itself."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tabml.config import load_params, parse_params
from tabml.errors import TabmlError
from tabml.serve.app import Settings, build_service
from tests.serve.servers import (
    DEFAULT_MAX_BODY,
    JSON,
    RELEASE_MAX_BATCH,
    RELEASE_MAX_BODY,
    Server,
    raw_exchange,
)


def padded(record: dict[str, Any], size: int) -> bytes:
    """A valid one-record body of exactly `size` bytes: JSON with trailing whitespace."""
    body = json.dumps({"records": [record]}).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


def head(url: str, *headers: str) -> str:
    """The request line and headers of a raw POST /predict."""
    host = url.removeprefix("http://")
    return "".join(f"{line}\n" for line in ("POST /predict HTTP/1.1", f"Host: {host}", *headers))


def assert_too_large(status: int, body: bytes, limit: int) -> None:
    assert status == 413, body[:300]
    [problem] = json.loads(body)["detail"]
    assert problem["type"] == "too_large"
    assert f"serve.max_body_bytes ({limit} bytes)" in problem["reason"]


# --- 413: the size limit --------------------------------------------------------------------


def test_a_content_length_over_the_limit_is_refused_before_any_body_is_sent(
    release_server: Server,
) -> None:
    """A client announcing a gigabyte gets its 413 without sending a byte of it."""
    started = time.monotonic()
    answer = raw_exchange(
        release_server.url,
        head(release_server.url, "Content-Type: application/json", "Content-Length: 1000000000"),
    )
    assert_too_large(answer.status, answer.body, RELEASE_MAX_BODY)
    assert time.monotonic() - started < 5.0  # generous: a server awaiting the body would hang


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(release_server: Server) -> None:
    """Without Content-Length the bytes are counted as they arrive; the 413 comes while the
    client has not even finished the body (no terminating chunk is ever sent)."""
    chunk = b"x" * 10_000
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(11))  # 110 kB
    assert len(chunk) * 11 > RELEASE_MAX_BODY
    answer = raw_exchange(
        release_server.url,
        head(release_server.url, "Content-Type: application/json", "Transfer-Encoding: chunked"),
        chunks,
    )
    assert_too_large(answer.status, answer.body, RELEASE_MAX_BODY)


def test_a_whole_chunked_body_over_the_limit_gets_a_413_an_http_client_can_read(
    client: httpx.Client, record: dict[str, Any]
) -> None:
    body = padded(record, RELEASE_MAX_BODY + 1)

    def stream() -> Iterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    response = client.post("/predict", content=stream(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_too_large(response.status_code, response.content, RELEASE_MAX_BODY)
    assert client.get("/health").status_code == 200, "the connection is still usable"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_of_exactly_the_limit_is_scored_and_one_byte_more_is_not(
    client: httpx.Client, record: dict[str, Any], chunked: bool
) -> None:
    def send(body: bytes) -> httpx.Response:
        content = iter([body[: len(body) // 2], body[len(body) // 2 :]]) if chunked else body
        return client.post("/predict", content=content, headers=JSON)

    at_limit = send(padded(record, RELEASE_MAX_BODY))
    assert at_limit.status_code == 200, at_limit.text
    assert len(at_limit.json()["predictions"]) == 1
    over = send(padded(record, RELEASE_MAX_BODY + 1))
    assert_too_large(over.status_code, over.content, RELEASE_MAX_BODY)


def test_the_default_limit_admits_a_full_batch_and_refuses_a_larger_body(
    plain_server: Server, record: dict[str, Any]
) -> None:
    """The plain server runs with params.yaml's default serve.max_body_bytes."""
    with httpx.Client(base_url=plain_server.url, timeout=60.0) as session:
        batch = session.post("/predict", json={"records": [record] * RELEASE_MAX_BATCH})
        assert batch.status_code == 200, batch.text
        over = session.post("/predict", content=padded(record, DEFAULT_MAX_BODY + 1), headers=JSON)
    assert_too_large(over.status_code, over.content, DEFAULT_MAX_BODY)


def _peak_rss_kb(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


def test_large_bodies_are_refused_without_holding_them_or_stalling_health(
    release_server: Server, record: dict[str, Any]
) -> None:
    """Three concurrent 28 MB bodies of valid records: each gets a 413, the server never holds
    them in memory, and /health keeps answering while they stream in. The latency bound is a
    generous behavioural one; speeds are measured in bench/, not asserted here."""
    records = json.dumps([record] * (28_000_000 // len(json.dumps(record))))
    body = f'{{"records": {records}}}'.encode()
    pid = release_server.process.pid
    peak_before = _peak_rss_kb(pid)
    with (
        ThreadPoolExecutor(max_workers=3) as pool,
        httpx.Client(base_url=release_server.url, timeout=60.0) as health_client,
    ):
        posts = [
            pool.submit(
                httpx.post,
                f"{release_server.url}/predict",
                content=body,
                headers=JSON,
                timeout=120.0,
            )
            for _ in range(3)
        ]
        latencies = []
        while not latencies or not all(post.done() for post in posts):
            started = time.perf_counter()
            assert health_client.get("/health").status_code == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.01)
        statuses = [post.result().status_code for post in posts]
    assert statuses == [413, 413, 413]
    assert max(latencies) < 1.0, f"/health took up to {max(latencies):.2f} s"
    grown_mb = (_peak_rss_kb(pid) - peak_before) / 1000
    assert grown_mb < 28, f"peak memory grew by {grown_mb:.0f} MB: a body was held"


def test_a_413_is_counted_in_the_metrics(client: httpx.Client, record: dict[str, Any]) -> None:
    def refused() -> float:
        for line in client.get("/metrics").text.splitlines():
            if line.startswith("tabml_requests_total{") and 'status="413"' in line:
                return float(line.split()[-1])
        return 0.0

    before = refused()
    client.post("/predict", content=padded(record, RELEASE_MAX_BODY + 1), headers=JSON)
    assert refused() == before + 1


# --- the setting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [(0, "greater than or equal to 1"), (-1, "greater than or equal to 1"), ("4 MB", "integer")],
)
def test_max_body_bytes_must_be_a_positive_integer(
    trained: Path, value: object, problem: str
) -> None:
    raw = yaml.safe_load((trained / "params.yaml").read_text())
    raw["serve"]["max_body_bytes"] = value
    with pytest.raises(TabmlError, match=rf"serve\.max_body_bytes.*{problem}"):
        parse_params(raw)
    raw["serve"]["max_body_bytes"] = 123_456
    assert parse_params(raw).serve.max_body_bytes == 123_456


def test_a_limit_too_small_for_a_full_batch_refuses_to_start(
    trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(trained)
    params = load_params(Path("params.yaml"))
    serve = params.serve.model_copy(update={"max_batch": 1000, "max_body_bytes": 100_000})
    params = params.model_copy(update={"serve": serve})
    with pytest.raises(
        TabmlError,
        match=r"serve\.max_body_bytes \(100000\) is too small for serve\.max_batch \(1000\)",
    ):
        build_service(Settings(model=Path("models/model.skops"), params=params))
