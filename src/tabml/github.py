"""A minimal GitHub REST client (standard library only) for the few calls CI makes itself."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from tabml.errors import TabmlError


def _token() -> str:
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        if os.environ.get(name):
            return os.environ[name]
    raise TabmlError("GITHUB_TOKEN is not set; pass the workflow token in the step's env")


def request(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call `$GITHUB_API_URL` + path with the workflow token; errors become one sentence."""
    base = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{base}{path}",
        data=data,
        method=method,
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {_token()}",
            "X-GitHub-Api-Version": "2022-11-28",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            payload = response.read()
    except urllib.error.HTTPError as error:
        raise TabmlError(f"GitHub API {method} {path}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise TabmlError(f"GitHub API {method} {path}: {error.reason}") from None
    return json.loads(payload) if payload else None
