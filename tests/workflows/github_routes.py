"""The state and the routes of the GitHub emulator, apart from HTTP: what each repository holds
(issues and pulls in one number space, comments, deployments and their statuses, releases and
their assets, workflow dispatches), how each route answers, and how tests seed it."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from functools import partial

from tests.workflows.github_rest import (
    NOT_FOUND,
    Ctx,
    Json,
    Reply,
    RepoState,
    found,
    paginate,
    too_long,
)


class GitHubRoutes:
    """Repositories by ``owner/name`` and a handler per route; ``url`` is the API base."""

    def __init__(self, url: str, bot_login: str) -> None:
        self.url, self.bot_login = url, bot_login
        self.repos: dict[str, RepoState] = {}
        self._ids = 1000
        self._lock = threading.RLock()

    def route_table(self) -> list[tuple[str, str, Callable[[Ctx], Reply]]]:
        """(method, path pattern below ``/repos/owner/name`` or ``/users``, handler)."""
        r, add = self.repo, self._add_child
        return [
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

    # -- helpers for tests -------------------------------------------------------------------
    def repo(self, name: str) -> RepoState:
        """State of ``owner/name`` (created empty on first use)."""
        with self._lock:
            return self.repos.setdefault(name, RepoState())

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

    # -- state ------------------------------------------------------------------------------
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
