"""The emulator records requests without token values, serves the routes our workflows use
(issues, pulls, deployments, releases, dispatches), and answers like GitHub where our clients
depend on it: comment pages, body limit."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from tests.workflows.github_emulator import GitHubEmulator
from tests.workflows.github_rest import COMMENT_LIMIT
from tests.workflows.harness_inputs import HEAD_SHA, REPO

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


def api(gh: GitHubEmulator, method: str, path: str, body: Any = None, token: bool = True) -> Any:
    """Call the emulator like a client would."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(gh.url + path, data=data, method=method)
    if token:
        request.add_header("Authorization", "token secret-value")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
    except urllib.error.HTTPError as err:
        return err.code
    return json.loads(raw) if raw else None


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


def test_emulator_records_requests_without_token_values(emulator: GitHubEmulator) -> None:
    assert api(emulator, "GET", "/users/octocat")["login"] == "octocat"
    assert api(emulator, "GET", f"/repos/{REPO}/no/such/route", token=False) == 404
    first, second = emulator.requests
    assert (first.token_present, first.auth_scheme, first.status) == (True, "token", 200)
    assert "secret-value" not in json.dumps([r.headers for r in emulator.requests])
    assert (second.token_present, second.status, second.path) == (
        False,
        404,
        f"/repos/{REPO}/no/such/route",
    )


def test_emulator_issues_pulls_deployments_releases(emulator: GitHubEmulator) -> None:
    emulator.add_pull(REPO, 7, head_sha=HEAD_SHA, head_ref="feature")
    issue = api(emulator, "POST", f"/repos/{REPO}/issues", {"title": "drift", "labels": ["drift"]})
    assert issue["number"] == 8  # issues and pulls share numbers
    assert [i["number"] for i in api(emulator, "GET", f"/repos/{REPO}/issues?labels=drift")] == [8]
    api(emulator, "PATCH", f"/repos/{REPO}/issues/8", {"state": "closed"})
    assert api(emulator, "GET", f"/repos/{REPO}/issues?labels=drift&state=open") == []
    assert api(emulator, "GET", f"/repos/{REPO}/issues?state=all&creator=github-actions[bot]")
    assert [
        p["number"] for p in api(emulator, "GET", f"/repos/{REPO}/pulls?head=acme:feature")
    ] == [7]
    assert api(emulator, "GET", f"/repos/{REPO}/pulls?base=release") == []
    assert [
        p["number"] for p in api(emulator, "GET", f"/repos/{REPO}/commits/{HEAD_SHA}/pulls")
    ] == [7]
    pull = api(
        emulator, "POST", f"/repos/{REPO}/pulls", {"title": "t", "head": "b", "base": "main"}
    )
    assert pull["number"] == 9

    dep = api(
        emulator, "POST", f"/repos/{REPO}/deployments", {"ref": "main", "environment": "staging"}
    )
    api(emulator, "POST", f"/repos/{REPO}/deployments/{dep['id']}/statuses", {"state": "success"})
    assert [
        s["state"] for s in api(emulator, "GET", f"/repos/{REPO}/deployments/{dep['id']}/statuses")
    ] == ["success"]

    rel = api(emulator, "POST", f"/repos/{REPO}/releases", {"tag_name": "v1.0.0"})
    assert api(emulator, "GET", f"/repos/{REPO}/releases/tags/v1.0.0")["id"] == rel["id"]
    upload = urllib.request.Request(
        f"{emulator.url}/repos/{REPO}/releases/{rel['id']}/assets?name=model.skops",
        data=b"abc",
        method="POST",
    )
    urllib.request.urlopen(upload, timeout=10).close()
    assert emulator.repo(REPO).assets[rel["id"]][0]["sha256"] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert (
        api(emulator, "POST", f"/repos/{REPO}/actions/workflows/ci.yml/dispatches", {"ref": "main"})
        is None
    )
    assert emulator.repo(REPO).dispatches == [{"workflow": "ci.yml", "body": {"ref": "main"}}]
