"""The emulator answers like GitHub where our clients depend on it: comment pages, body limit."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from tests.workflows.github_emulator import COMMENT_LIMIT, GitHubEmulator

REPO = "acme/tabml-demo"
COMMENTS = f"/repos/{REPO}/issues/7/comments"


def call(api: GitHubEmulator, method: str, path: str, body: Any = None) -> tuple[int, Any, str]:
    """Status, JSON and Link header of one request (errors included)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{api.url}{path}", data=data, method=method)
    request.add_header("Authorization", "token fake")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), response.headers.get("Link", "")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers.get("Link", "")


def links(header: str) -> dict[str, int]:
    """rel -> page number of a Link header."""
    return {rel: int(page) for page, rel in re.findall(r'[?&]page=(\d+)>; rel="(\w+)"', header)}


def test_issue_comments_come_30_a_page_with_github_link_headers(
    emulator: GitHubEmulator,
) -> None:
    for i in range(65):
        emulator.add_comment(REPO, 7, f"comment {i}")
    status, first, link = call(emulator, "GET", COMMENTS)
    assert status == 200 and [c["body"] for c in first] == [f"comment {i}" for i in range(30)]
    assert links(link) == {"next": 2, "last": 3}
    assert link.startswith(f"<{emulator.url}{COMMENTS}?per_page=30&page=2>")
    _, middle, link = call(emulator, "GET", f"{COMMENTS}?page=2")
    assert middle[0]["body"] == "comment 30" and links(link) == {
        "prev": 1,
        "next": 3,
        "last": 3,
        "first": 1,
    }
    _, last, link = call(emulator, "GET", f"{COMMENTS}?page=3")
    assert len(last) == 5 and links(link) == {"prev": 2, "first": 1}
    _, everything, link = call(emulator, "GET", f"{COMMENTS}?per_page=500")  # capped at 100
    assert len(everything) == 65 and link == ""
    _, fifty, link = call(emulator, "GET", f"{COMMENTS}?per_page=50&page=2")
    assert len(fifty) == 15 and links(link) == {"prev": 1, "first": 1}


def test_a_comment_body_over_65536_characters_gets_githubs_422(emulator: GitHubEmulator) -> None:
    status, created, _ = call(emulator, "POST", COMMENTS, {"body": "x" * COMMENT_LIMIT})
    assert status == 201
    status, error, _ = call(emulator, "POST", COMMENTS, {"body": "é" * (COMMENT_LIMIT + 1)})
    assert status == 422 and error["message"] == "Validation Failed"
    assert error["errors"][0]["message"] == "Body is too long (maximum is 65536 characters)"
    patch = f"/repos/{REPO}/issues/comments/{created['id']}"
    status, error, _ = call(emulator, "PATCH", patch, {"body": "y" * (COMMENT_LIMIT + 1)})
    assert status == 422 and "update-an-issue-comment" in error["documentation_url"]
    (kept,) = emulator.repo(REPO).comments.values()
    assert kept["body"] == "x" * COMMENT_LIMIT  # the refused update changed nothing
    assert [r.status for r in emulator.calls(path_regex="comments")] == [201, 422, 422]
