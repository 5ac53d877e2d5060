"""The one GitHub REST client against a real HTTP server on 127.0.0.1 (no emulator shortcuts)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tabml.errors import TabmlError
from tabml.platform import github

ITEMS = [{"number": n} for n in range(1, 251)]  # three pages of at most 100


@dataclass
class Seen:
    """What the server received in one request."""

    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    url: str
    seen: list[Seen] = field(default_factory=list)
    link_host: str = ""  # where `next` links point; the server's own URL unless a test says so


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = parse_qs(parts.query)
            headers = {k.lower(): v for k, v in self.headers.items()}  # urllib recases names
            server.seen.append(Seen(query, headers, body))
            if parts.path == "/repos/acme/demo/issues":
                per_page, page = int(query["per_page"][0]), int(query.get("page", ["1"])[0])
                items = ITEMS[(page - 1) * per_page : page * per_page]
                more = page * per_page < len(ITEMS)
                base = server.link_host or server.url
                nxt = f"{base}/repos/acme/demo/issues?per_page={per_page}&page={page + 1}"
                last = f'<{base}/repos/acme/demo/issues?page=3>; rel="last"'
                link = f'<{nxt}>; rel="next", {last}' if more else last
                self._reply(200, items, {"Link": link})
            elif parts.path == "/repos/acme/demo/releases":
                self._reply(422, {"message": "Validation Failed:\n  already_exists"})
            elif parts.path == "/not-json":
                self._reply(200, b"<html>proxy login</html>")
            elif parts.path == "/object-listing":
                self._reply(200, {"total_count": 0})
            elif parts.path == "/uploads/assets":
                size = len(body) - 1 if query["name"] == ["short.bin"] else len(body)
                self._reply(201, {"name": query["name"][0], "size": size})
            else:
                self._reply(200, {"ok": True})

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_PATCH(self) -> None:
            self._handle()

    return Handler


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server = Server(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _handler(server)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", server.url + "/")
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_paginate_follows_the_link_header_across_three_pages(api: Server) -> None:
    found = github.paginate("/repos/acme/demo/issues?state=open&labels=drift")
    assert found == ITEMS
    assert [s.query.get("page", ["1"])[0] for s in api.seen] == ["1", "2", "3"]
    assert all(s.query["per_page"] == ["100"] for s in api.seen)
    assert api.seen[0].query["labels"] == ["drift"] and api.seen[0].query["state"] == ["open"]


def test_paginate_keeps_a_page_size_the_caller_chose(api: Server) -> None:
    assert github.paginate("/repos/acme/demo/issues?per_page=50") == ITEMS
    assert len(api.seen) == 5 and all(s.query["per_page"] == ["50"] for s in api.seen)


def test_a_next_page_on_another_host_is_refused_so_the_token_stays(api: Server) -> None:
    api.link_host = "http://127.0.0.2:9"
    with pytest.raises(TabmlError, match=r"the next page http://127\.0\.0\.2:9/\S+ is not under"):
        github.paginate("/repos/acme/demo/issues")
    assert len(api.seen) == 1


def test_a_listing_that_is_not_a_list_is_one_clear_error(api: Server) -> None:
    with pytest.raises(TabmlError, match=r"^GitHub API GET /object-listing: expected a JSON list"):
        github.paginate("/object-listing")


def test_every_call_sends_the_token_and_the_api_headers(api: Server) -> None:
    assert github.request("PATCH", "/repos/acme/demo/issues/1", {"title": "t"}) == {"ok": True}
    (seen,) = api.seen
    assert seen.headers["authorization"] == "Bearer t0ken"
    assert seen.headers["x-github-api-version"] == github.API_VERSION
    assert seen.headers["accept"] == "application/vnd.github+json"
    assert json.loads(seen.body) == {"title": "t"}


def test_gh_token_is_used_when_github_token_is_not_set(
    api: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", "from-gh")
    github.request("GET", "/user")
    assert api.seen[0].headers["authorization"] == "Bearer from-gh"


def test_no_token_is_a_clear_error_and_nothing_is_sent(
    api: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    with pytest.raises(TabmlError, match=r"^GITHUB_TOKEN is not set; pass the workflow token"):
        github.request("GET", "/user")
    with pytest.raises(TabmlError, match=r"^GITHUB_TOKEN is not set"):
        github.paginate("/repos/acme/demo/issues")
    assert api.seen == []


def test_an_error_status_is_one_sentence_naming_method_path_and_status(api: Server) -> None:
    with pytest.raises(TabmlError) as error:
        github.request("POST", "/repos/acme/demo/releases", {"tag_name": "v1"})
    assert str(error.value) == (
        "GitHub API POST /repos/acme/demo/releases: HTTP 422 Unprocessable Entity "
        "(Validation Failed: already_exists)"
    )


def test_an_answer_that_is_not_json_is_one_clear_error(api: Server) -> None:
    with pytest.raises(TabmlError, match=r"^GitHub API GET /not-json: the response is not JSON$"):
        github.request("GET", "/not-json")


def test_an_unreachable_api_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    with pytest.raises(TabmlError, match=r"^GitHub API GET /user: [^\n]*refused"):
        github.request("GET", "/user")


def test_upload_sends_the_bytes_under_the_file_name(api: Server, tmp_path: Path) -> None:
    asset = tmp_path / "model.skops"
    asset.write_bytes(bytes(range(256)) * 3)
    made = github.upload(f"{api.url}/uploads/assets{{?name,label}}", asset)
    assert made == {"name": "model.skops", "size": 768}
    (seen,) = api.seen
    assert seen.body == asset.read_bytes()
    assert seen.headers["content-type"] == "application/octet-stream"
    assert seen.headers["authorization"] == "Bearer t0ken"


def test_an_upload_github_stored_short_is_refused(api: Server, tmp_path: Path) -> None:
    asset = tmp_path / "short.bin"
    asset.write_bytes(b"12345")
    with pytest.raises(TabmlError, match=r"^upload of short.bin: GitHub stored 4 bytes$"):
        github.upload(f"{api.url}/uploads/assets{{?name,label}}", asset)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ('<https://api.github.com/x?page=3>; rel="last"', None),
        (
            '<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; '
            'rel="next"',
            "https://api.github.com/x?page=3",
        ),
    ],
)
def test_next_link_reads_only_rel_next(header: str | None, expected: str | None) -> None:
    assert github.next_link(header) == expected
