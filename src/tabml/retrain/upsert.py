"""Open or update: find what an earlier run opened, and the one API call to make. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from tabml.retrain.decide import Decision


@dataclass(frozen=True)
class Call:
    """One GitHub REST call."""

    method: str
    path: str
    body: dict[str, Any] | None = None


def search(repo: str, decision: Decision) -> Call:
    """The listing that finds an open PR from the head branch, or open issues with the label."""
    if decision.kind == "pull":
        owner = repo.split("/", 1)[0]
        query = {"state": "open", "head": f"{owner}:{decision.head}", "base": decision.base}
        return Call("GET", f"/repos/{repo}/pulls?{urlencode(query)}")
    if decision.kind == "issue":
        query = {"state": "open", "labels": ",".join(decision.labels), "per_page": "100"}
        return Call("GET", f"/repos/{repo}/issues?{urlencode(query, quote_via=quote)}")
    raise ValueError(f"nothing to search for a '{decision.kind}' decision")


def existing(decision: Decision, found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The open item an earlier run made: for a PR any open PR from the branch; for an issue
    the oldest open issue (not a PR) with the label whose body carries the marker."""
    if decision.kind == "pull":
        mine = [item for item in found if item.get("head", {}).get("ref") == decision.head]
    else:
        mine = [
            item
            for item in found
            if "pull_request" not in item and decision.marker in (item.get("body") or "")
        ]
    return min(mine, key=lambda item: int(item["number"]), default=None)


def write(repo: str, decision: Decision, current: dict[str, Any] | None) -> Call:
    """PATCH the item found, or POST a new one."""
    kind = "pulls" if decision.kind == "pull" else "issues"
    if current is not None:
        body: dict[str, Any] = {"title": decision.title, "body": decision.body}
        return Call("PATCH", f"/repos/{repo}/{kind}/{current['number']}", body)
    if decision.kind == "pull":
        body = {
            "title": decision.title,
            "body": decision.body,
            "head": decision.head,
            "base": decision.base,
        }
        return Call("POST", f"/repos/{repo}/pulls", body)
    body = {"title": decision.title, "body": decision.body, "labels": decision.labels}
    return Call("POST", f"/repos/{repo}/issues", body)
