"""In-memory emulator of the GitHub REST API on 127.0.0.1, for proving workflows offline.

Serves the routes our workflows and the ``cml`` stand-in use and records every request, keeping
only whether an ``Authorization`` header was sent (and its scheme), never the token. Unknown
routes answer 404 JSON and are recorded too. Use it as a context manager; ``url`` is the base.

Where clients depend on it, it answers as GitHub does: issue comments are listed 30 a page
(``per_page`` up to 100, ``page``) with a ``Link`` header (``rel="next"``, ``"last"``, ...), and
a comment body over 65,536 characters gets GitHub's 422 on create and update. This module is the
HTTP side; ``github_routes`` holds the state and the routes, ``github_rest`` what they speak.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.workflows.github_rest import Ctx, Reply, Request
from tests.workflows.github_routes import GitHubRoutes


class GitHubEmulator(GitHubRoutes):
    """Threaded loopback HTTP server; use it as a context manager. ``url`` is the API base."""

    def __init__(self, bot_login: str = "github-actions[bot]") -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        super().__init__(f"http://127.0.0.1:{self._server.server_address[1]}", bot_login)
        self.requests: list[Request] = []
        prefix = r"/repos/(?P<repo>[^/]+/[^/]+)"
        self._routes = [
            (method, re.compile("^" + ("" if p.startswith("/users") else prefix) + p + "$"), fn)
            for method, p, fn in self.route_table()
        ]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> GitHubEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def calls(self, method: str | None = None, path_regex: str = "") -> list[Request]:
        """Recorded requests with this method (any if None) whose path matches ``re.search``."""
        return [
            r for r in self.requests if method in (None, r.method) and re.search(path_regex, r.path)
        ]

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
