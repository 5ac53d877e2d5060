"""What the GitHub emulator's routes speak: the request it records, what a handler gets, what a
repository stores, and GitHub's own replies where clients depend on them (pages of 30 with a
``Link`` header, 422 for a comment body over 65,536 characters, 404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
Reply = tuple[int, Any]
NOT_FOUND: Reply = (404, {"message": "Not Found"})
COMMENT_LIMIT = 65_536  # characters in an issue comment's body
DOCS = "https://docs.github.com/rest/issues/comments"


class Page(list[Any]):
    """One page of a listing; ``link`` is the ``Link`` header GitHub sends with it ("" if none)."""

    link = ""


def paginate(items: list[Any], c: Ctx, path: str, base_url: str) -> Page:
    """``items`` cut into GitHub's pages: ``per_page`` (default 30, at most 100) and ``page``."""

    def number(name: str, default: int) -> int:
        value = c.q(name)
        return int(value) if value.isdigit() and int(value) > 0 else default

    per_page, page = min(number("per_page", 30), 100), number("page", 1)
    last = max(1, -(-len(items) // per_page))
    found = Page(items[(page - 1) * per_page : page * per_page])
    rels = [("prev", page - 1)] if page > 1 else []
    rels += [("next", page + 1), ("last", last)] if page < last else []
    rels += [("first", 1)] if page > 1 else []
    found.link = ", ".join(
        f'<{base_url}{path}?per_page={per_page}&page={n}>; rel="{rel}"' for rel, n in rels
    )
    return found


def too_long(c: Ctx, action: str) -> Reply | None:
    """GitHub's 422 for a comment body over 65,536 characters, else None."""
    if len(str(c.body["body"])) <= COMMENT_LIMIT:
        return None
    return 422, {
        "message": "Validation Failed",
        "errors": [
            {
                "resource": "IssueComment",
                "code": "unprocessable",
                "field": "data",
                "message": f"Body is too long (maximum is {COMMENT_LIMIT} characters)",
            }
        ],
        "documentation_url": f"{DOCS}#{action}-an-issue-comment",
        "status": "422",
    }


@dataclass
class Request:
    """One recorded request; the Authorization value is masked in ``headers``."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    token_present: bool
    auth_scheme: str | None
    json: Any
    body_sha256: str
    status: int = 0


@dataclass
class Ctx:
    """What a route handler gets: URL parameters, query, JSON body, raw bytes, caller login."""

    repo: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    raw: bytes
    login: str

    def q(self, name: str, default: str = "") -> str:
        """First value of a query parameter."""
        return self.query.get(name, [default])[0]

    def missing(self, *keys: str) -> Reply | None:
        """A 422 reply when the JSON body lacks one of ``keys``, else None."""
        if isinstance(self.body, dict) and all(self.body.get(k) is not None for k in keys):
            return None
        return 422, {"message": f"Validation Failed: {', '.join(keys)} required"}


@dataclass
class RepoState:
    """Everything stored for one ``owner/name``. Issues and pulls share one number space."""

    issues: dict[int, Json] = field(default_factory=dict)
    comments: dict[int, Json] = field(default_factory=dict)
    deployments: dict[int, Json] = field(default_factory=dict)
    statuses: dict[int, list[Json]] = field(default_factory=dict)
    releases: dict[int, Json] = field(default_factory=dict)
    assets: dict[int, list[Json]] = field(default_factory=dict)
    dispatches: list[Json] = field(default_factory=list)


def found(item: Any) -> Reply:
    """200 with ``item``, or 404."""
    return (200, item) if item else NOT_FOUND
