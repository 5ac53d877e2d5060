"""The open-or-update rule on plain data: the listing that finds an earlier run's PR or issue,
which one it is, and the one API call to make."""

from __future__ import annotations

from typing import Any

from tabml.retrain.decide import Decision
from tabml.retrain.upsert import existing, search, write

REPO = "acme/demo"


def issue(number: int, body: str, labels: list[str], pull: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {"number": number, "body": body, "labels": labels}
    if pull:
        item["pull_request"] = {}
    return item


def test_an_issue_updates_the_oldest_open_one_with_its_marker() -> None:
    decision = Decision("issue", "x", title="t", body="b", marker="<!-- m -->", labels=["drift"])
    assert search(REPO, decision).path == (
        f"/repos/{REPO}/issues?state=open&labels=drift&per_page=100"
    )
    found = [
        issue(9, "<!-- m --> newer", ["drift"]),
        issue(3, "written by a person", ["drift"]),
        issue(5, "<!-- m --> older", ["drift"]),
        issue(2, "<!-- m --> a PR", ["drift"], pull=True),
    ]
    current = existing(decision, found)
    assert current is not None and current["number"] == 5
    call = write(REPO, decision, current)
    assert (call.method, call.path) == ("PATCH", f"/repos/{REPO}/issues/5")
    assert call.body == {"title": "t", "body": "b"}
    created = write(REPO, decision, existing(decision, found[1:2]))
    assert (created.method, created.path) == ("POST", f"/repos/{REPO}/issues")
    assert created.body == {"title": "t", "body": "b", "labels": ["drift"]}


def test_a_pull_request_updates_the_open_one_from_the_branch() -> None:
    decision = Decision("pull", "x", title="t", body="b", head="retrain/auto", base="main")
    assert search(REPO, decision).path == (
        f"/repos/{REPO}/pulls?state=open&head=acme%3Aretrain%2Fauto&base=main"
    )
    found = [{"number": 4, "head": {"ref": "retrain/auto"}}, {"number": 1, "head": {"ref": "x"}}]
    call = write(REPO, decision, existing(decision, found))
    assert (call.method, call.path) == ("PATCH", f"/repos/{REPO}/pulls/4")
    call = write(REPO, decision, existing(decision, found[1:]))
    assert call.method == "POST"
    assert call.body == {"title": "t", "body": "b", "head": "retrain/auto", "base": "main"}
