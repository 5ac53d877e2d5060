"""The one GitHub REST client (standard library only) for the few calls CI makes itself.

One place for the API URL (`GITHUB_API_URL`, so the loopback emulator and GitHub Enterprise
work), the token, the headers, pagination and the errors: every failure is one sentence that
names the method, the path and the HTTP status.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

from tabml.errors import TabmlError

DEFAULT_API = "https://api.github.com"
API_VERSION = "2022-11-28"
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
PER_PAGE = 100
MAX_PAGES = 100  # 10,000 items: far more than any listing tabml makes
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def optional_token() -> str | None:
    """The workflow token from the step's env (`GITHUB_TOKEN`, else `GH_TOKEN`), if any."""
    for name in TOKEN_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    return None


def token() -> str:
    """The workflow token, or one clear error where a call needs it."""
    found = optional_token()
    if found is None:
        raise TabmlError("GITHUB_TOKEN is not set; pass the workflow token in the step's env")
    return found


def api_url() -> str:
    """The REST API root: `GITHUB_API_URL`, else api.github.com."""
    return (os.environ.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")


def _headers(content_type: str, length: int | None = None) -> dict[str, str]:
    headers = {
        "Accept": "application/vnd.github+json",
        "Authorization": f"Bearer {token()}",
        "X-GitHub-Api-Version": API_VERSION,
        "Content-Type": content_type,
    }
    if length is not None:
        headers["Content-Length"] = str(length)
    return headers


def _error_detail(error: urllib.error.HTTPError) -> str:
    """GitHub's own `message` from an error body, on one line, or nothing."""
    try:
        message = json.loads(error.read() or b"{}").get("message")
    except (OSError, ValueError, AttributeError):
        return ""
    text = " ".join(str(message).split())[:200] if message else ""
    return f" ({text})" if text else ""


def _send(request: urllib.request.Request, what: str, timeout: float) -> tuple[bytes, Message]:
    """Send one request; any failure becomes `what: HTTP <status> <reason>` or the cause."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(), response.headers
    except urllib.error.HTTPError as error:
        detail = _error_detail(error)
        raise TabmlError(f"{what}: HTTP {error.code} {error.reason}{detail}") from None
    except urllib.error.URLError as error:
        raise TabmlError(f"{what}: {error.reason}") from None
    except OSError as error:  # a timeout while reading the body
        raise TabmlError(f"{what}: {error}") from None


def _json(payload: bytes, what: str) -> Any:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        raise TabmlError(f"{what}: the response is not JSON") from None


def request(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the API at `path` with the workflow token; the decoded JSON answer (None if empty)."""
    what = f"GitHub API {method} {path}"
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(
        f"{api_url()}{path}", data=data, method=method, headers=_headers("application/json")
    )
    payload, _ = _send(call, what, timeout=30)
    return _json(payload, what)


def with_per_page(path: str, per_page: int = PER_PAGE) -> str:
    """`path` asking for `per_page` items a page, unless it already asks for a page size."""
    parts = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "per_page" for key, _ in query):
        return path
    extra = urllib.parse.urlencode({"per_page": per_page})
    return urllib.parse.urlunsplit(parts._replace(query=f"{parts.query}&{extra}".lstrip("&")))


def next_link(header: str | None) -> str | None:
    """The `rel="next"` URL of a `Link` header, or None on the last page."""
    for part in (header or "").split(","):
        match = NEXT_LINK.search(part)
        if match:
            return match.group(1)
    return None


def paginate(path: str) -> list[Any]:
    """Every item of a GET listing, following the `Link: rel="next"` pages (100 a page).

    A next page off the API's own host is refused, so the token never leaves for another one."""
    what = f"GitHub API GET {path}"
    root = api_url()
    url: str | None = f"{root}{with_per_page(path)}"
    items: list[Any] = []
    pages = 0
    while url is not None:
        if pages == MAX_PAGES:
            raise TabmlError(f"{what}: more than {MAX_PAGES} pages of {PER_PAGE}; narrow the query")
        if not url.startswith(f"{root}/"):
            raise TabmlError(f"{what}: the next page {url} is not under {root}")
        call = urllib.request.Request(url, method="GET", headers=_headers("application/json"))
        payload, headers = _send(call, what, timeout=30)
        page = _json(payload, what)
        if not isinstance(page, list):
            raise TabmlError(f"{what}: expected a JSON list, got {type(page).__name__}")
        items.extend(page)
        url, pages = next_link(headers.get("Link")), pages + 1
    return items


def upload(upload_url: str, path: Path, timeout: float = 120) -> dict[str, Any]:
    """POST a file's bytes to an `upload_url` (a release's, its `{?name,label}` removed)."""
    base = re.sub(r"\{[^}]*\}$", "", upload_url)
    url = f"{base}?{urllib.parse.urlencode({'name': path.name})}"
    data = path.read_bytes()
    what = f"upload of {path.name}"
    headers = _headers("application/octet-stream", len(data))
    call = urllib.request.Request(url, data=data, method="POST", headers=headers)
    payload, _ = _send(call, what, timeout=timeout)
    uploaded = _json(payload, what) or {}
    if not isinstance(uploaded, dict):
        raise TabmlError(f"{what}: expected a JSON object, got {type(uploaded).__name__}")
    if uploaded.get("size") not in (None, len(data)):
        raise TabmlError(f"{what}: GitHub stored {uploaded['size']} bytes")
    return uploaded
