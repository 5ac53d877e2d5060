"""In-memory emulator of the GitHub REST API on 127.0.0.1, for proving workflows offline.

Serves the routes our workflows and the ``cml`` stand-in use and records every request, keeping
only whether an ``Authorization`` header was sent (and its scheme), never the token. Unknown
routes answer 404 JSON and are recorded too. Use it as a context manager; ``url`` is the base.

Where clients depend on it, it answers as GitHub does: issue comments are listed 30 a page
(``per_page`` up to 100, ``page``) with a ``Link`` header (``rel="next"``, ``"last"``, ...), and
a comment body over 65,536 characters gets GitHub's 422 on create and update.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

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


class GitHubEmulator:
    """Threaded loopback HTTP server; use it as a context manager. ``url`` is the API base."""

    def __init__(self, bot_login: str = "github-actions[bot]") -> None:
        self.bot_login = bot_login
        self.requests: list[Request] = []
        self.repos: dict[str, RepoState] = {}
        self._ids = 1000
        self._lock = threading.RLock()
        r, add = self.repo, self._add_child
        table: list[tuple[str, str, Callable[[Ctx], Reply]]] = [
            ("GET", r"/users/(?P<login>[^/]+)", self._user),
            ("GET", r"/issues/(?P<n>\d+)/comments", self._list_comments),
            ("POST", r"/issues/(?P<n>\d+)/comments", self._create_comment),
            ("GET", r"/issues/comments/(?P<id>\d+)", lambda c: found(self._comment(c))),
            ("PATCH", r"/issues/comments/(?P<id>\d+)", self._update_comment),
            ("GET", r"/issues", self._list_issues),
            ("POST", r"/issues", self._create_issue),
            ("GET", r"/(?:issues|pulls)/(?P<n>\d+)", lambda c: found(self._issue(c))),
            ("PATCH", r"/(?:issues|pulls)/(?P<n>\d+)", self._update_issue),
            ("GET", r"/pulls", partial(self._list_issues, pulls=True)),
            ("POST", r"/pulls", partial(self._create_issue, pull=True)),
            ("GET", r"/commits/(?P<sha>[^/]+)/pulls", self._commit_pulls),
            ("GET", r"/deployments", lambda c: (200, list(r(c.repo).deployments.values()))),
            ("POST", r"/deployments", partial(self._create, "deployments", "ref")),
            ("GET", r"/deployments/(?P<id>\d+)/statuses", self._list_statuses),
            ("POST", r"/deployments/(?P<id>\d+)/statuses", partial(add, "deployments", "statuses")),
            ("GET", r"/releases", lambda c: (200, list(r(c.repo).releases.values()))),
            ("POST", r"/releases", partial(self._create, "releases", "tag_name")),
            ("GET", r"/releases/tags/(?P<tag>.+)", self._release_by_tag),
            ("POST", r"/releases/(?P<id>\d+)/assets", partial(add, "releases", "assets")),
            ("POST", r"/actions/workflows/(?P<wf>[^/]+)/dispatches", self._dispatch),
        ]
        prefix = r"/repos/(?P<repo>[^/]+/[^/]+)"
        self._routes = [
            (method, re.compile("^" + ("" if p.startswith("/users") else prefix) + p + "$"), fn)
            for method, p, fn in table
        ]
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GitHubEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- helpers for tests -------------------------------------------------------------------
    def repo(self, name: str) -> RepoState:
        """State of ``owner/name`` (created empty on first use)."""
        with self._lock:
            return self.repos.setdefault(name, RepoState())

    def calls(self, method: str | None = None, path_regex: str = "") -> list[Request]:
        """Recorded requests with this method (any if None) whose path matches ``re.search``."""
        return [
            r for r in self.requests if method in (None, r.method) and re.search(path_regex, r.path)
        ]

    def add_pull(
        self, repo: str, number: int, *, head_sha: str, head_ref: str, base_ref: str = "main"
    ) -> Json:
        """Seed an open pull request, findable by number, ``head``/``base`` and commit."""
        with self._lock:
            body = {"title": f"PR {number}", "head": head_ref, "base": base_ref}
            pull = self._new_issue(repo, body, "someone", number, pull=True)
            pull["head"]["sha"] = head_sha
            return pull

    def add_comment(self, repo: str, number: int, body: str, login: str = "someone") -> Json:
        """Seed a comment on issue or pull request ``number``."""
        with self._lock:
            ctx = Ctx(repo, {"n": str(number)}, {}, {"body": body}, b"", login)
            return self._create_comment(ctx)[1]  # type: ignore[no-any-return]

    # -- plumbing ----------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

            def _serve(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = emulator.handle(self.command, self.path, dict(self.headers), raw)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                if getattr(payload, "link", ""):
                    self.send_header("Link", payload.link)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815

        return Handler

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        """Record one request and answer it from the route table."""
        parts = urlsplit(target)
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme = auth.split(" ", 1)[0] if auth else None
        masked = {
            k: f"{scheme} ***" if k.lower() == "authorization" else v for k, v in headers.items()
        }
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        query, digest = parse_qs(parts.query), hashlib.sha256(raw).hexdigest()
        req = Request(method, parts.path, query, masked, bool(auth), scheme, body, digest)
        with self._lock:
            self.requests.append(req)
            reply: Reply = (404, {"message": "Not Found", "emulator": "no such route"})
            for route_method, pattern, handler in self._routes:
                match = pattern.match(parts.path)
                if match and route_method == method:
                    params = match.groupdict()
                    login = self.bot_login if auth else "anonymous"
                    reply = handler(Ctx(params.pop("repo", ""), params, query, body, raw, login))
                    break
            req.status = reply[0]
            return reply

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _new_issue(
        self, repo: str, body: Json, login: str, number: int | None = None, pull: bool = False
    ) -> Json:
        state = self.repo(repo)
        number = number or max([0, *state.issues]) + 1
        issue = state.issues[number] = {
            "id": self._next_id(),
            "number": number,
            "state": "open",
            "title": body.get("title", ""),
            "body": body.get("body"),
            "labels": [{"name": name} for name in body.get("labels", [])],
            "user": {"login": login},
            "url": f"{self.url}/repos/{repo}/issues/{number}",
            "html_url": f"https://github.com/{repo}/{'pull' if pull else 'issues'}/{number}",
        }
        if pull:
            issue["pull_request"] = {"url": f"{self.url}/repos/{repo}/pulls/{number}"}
            issue["head"] = {"ref": body["head"], "sha": "0" * 40}
            issue["base"] = {"ref": body["base"]}
        return issue

    def _issue(self, c: Ctx) -> Json | None:
        return self.repo(c.repo).issues.get(int(c.params["n"]))

    def _comment(self, c: Ctx) -> Json | None:
        return self.repo(c.repo).comments.get(int(c.params["id"]))

    # -- route handlers ----------------------------------------------------------------------
    def _user(self, c: Ctx) -> Reply:
        login = c.params["login"]
        return 200, {"login": login, "id": int(hashlib.sha1(login.encode()).hexdigest()[:7], 16)}

    def _list_comments(self, c: Ctx) -> Reply:
        n = int(c.params["n"])
        mine = [x for x in self.repo(c.repo).comments.values() if x["issue_number"] == n]
        return 200, paginate(mine, c, f"/repos/{c.repo}/issues/{n}/comments", self.url)

    def _create_comment(self, c: Ctx) -> Reply:
        if error := c.missing("body") or too_long(c, "create"):
            return error
        cid, n = self._next_id(), int(c.params["n"])
        self.repo(c.repo).comments[cid] = comment = {
            "id": cid,
            "issue_number": n,
            "body": c.body["body"],
            "user": {"login": c.login},
            "url": f"{self.url}/repos/{c.repo}/issues/comments/{cid}",
            "html_url": f"https://github.com/{c.repo}/pull/{n}#issuecomment-{cid}",
        }
        return 201, comment

    def _update_comment(self, c: Ctx) -> Reply:
        if (comment := self._comment(c)) is None:
            return NOT_FOUND
        if error := c.missing("body") or too_long(c, "update"):
            return error
        comment["body"] = c.body["body"]
        return 200, comment

    def _list_issues(self, c: Ctx, pulls: bool = False) -> Reply:
        labels = {x for x in c.q("labels").split(",") if x}
        head = c.q("head").split(":")[-1]  # GitHub takes "owner:branch"
        return 200, [
            i
            for i in self.repo(c.repo).issues.values()
            if c.q("state", "open") in ("all", i["state"])
            and labels <= {label["name"] for label in i["labels"]}
            and c.q("creator") in ("", i["user"]["login"])
            and (not pulls or "head" in i)
            and head in ("", i.get("head", {}).get("ref"))
            and c.q("base") in ("", i.get("base", {}).get("ref"))
        ]

    def _create_issue(self, c: Ctx, pull: bool = False) -> Reply:
        if error := c.missing(*(("title", "head", "base") if pull else ("title",))):
            return error
        return 201, self._new_issue(c.repo, c.body, c.login, pull=pull)

    def _update_issue(self, c: Ctx) -> Reply:
        if (issue := self._issue(c)) is None or not isinstance(c.body, dict):
            return NOT_FOUND
        issue.update({k: c.body[k] for k in ("title", "body", "state") if k in c.body})
        if "labels" in c.body:
            issue["labels"] = [{"name": name} for name in c.body["labels"]]
        return 200, issue

    def _commit_pulls(self, c: Ctx) -> Reply:
        issues = self.repo(c.repo).issues.values()
        return 200, [p for p in issues if p.get("head", {}).get("sha") == c.params["sha"]]

    def _create(self, kind: str, required: str, c: Ctx) -> Reply:
        """POST a deployment or a release: validate, give it an id, store it."""
        if error := c.missing(required):
            return error
        item = {**c.body, "id": self._next_id()}
        if kind == "releases":
            item["upload_url"] = f"{self.url}/repos/{c.repo}/releases/{item['id']}/assets{{?name}}"
        getattr(self.repo(c.repo), kind)[item["id"]] = item
        return 201, item

    def _add_child(self, parents: str, children: str, c: Ctx) -> Reply:
        """POST a deployment status (JSON) or a release asset (raw bytes, ``?name=``)."""
        state, parent = self.repo(c.repo), int(c.params["id"])
        if parent not in getattr(state, parents):
            return NOT_FOUND
        if children == "statuses":
            if error := c.missing("state"):
                return error
            item = {**c.body, "deployment_id": parent}
        elif not c.q("name"):
            return 422, {"message": "Validation Failed: name required"}
        else:
            digest = hashlib.sha256(c.raw).hexdigest()
            item = {"name": c.q("name"), "size": len(c.raw), "sha256": digest}
        getattr(state, children).setdefault(parent, []).append({**item, "id": self._next_id()})
        return 201, getattr(state, children)[parent][-1]

    def _list_statuses(self, c: Ctx) -> Reply:
        return 200, self.repo(c.repo).statuses.get(int(c.params["id"]), [])

    def _release_by_tag(self, c: Ctx) -> Reply:
        releases = self.repo(c.repo).releases.values()
        return found(next((r for r in releases if r["tag_name"] == c.params["tag"]), None))

    def _dispatch(self, c: Ctx) -> Reply:
        self.repo(c.repo).dispatches.append({"workflow": c.params["wf"], "body": c.body})
        return 204, None
