"""Create the GitHub Release of a tag and upload the release files as its assets.

JSON calls go through `tabml.github.request`; asset uploads send raw bytes to the release's
`upload_url` (uploads.github.com on GitHub), with the same token.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tabml import github
from tabml.errors import TabmlError
from tabml.release import assets

BODY_LIMIT = 120_000  # GitHub refuses release bodies over 125,000 characters


def upload_asset(upload_url: str, path: Path) -> dict[str, Any]:
    """POST one file to a release's upload URL (its `{?name,label}` template removed)."""
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if not token:
        raise TabmlError("GITHUB_TOKEN is not set; pass the workflow token in the step's env")
    base = re.sub(r"\{[^}]*\}$", "", upload_url)
    url = f"{base}?{urllib.parse.urlencode({'name': path.name})}"
    data = path.read_bytes()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "Content-Type": "application/octet-stream",
            "Content-Length": str(len(data)),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            uploaded: dict[str, Any] = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise TabmlError(f"upload of {path.name}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise TabmlError(f"upload of {path.name}: {error.reason}") from None
    if uploaded.get("size") not in (None, len(data)):
        raise TabmlError(f"upload of {path.name}: GitHub stored {uploaded['size']} bytes")
    return uploaded


def release_body(release_dir: Path, repository: str) -> str:
    """The release notes: how to verify the files, then the model card."""
    model_card = (release_dir / assets.MODEL_CARD).read_text(encoding="utf-8")
    header = (
        "Verify the files with `sha256sum --check SHA256SUMS` and their build provenance with "
        f"`gh attestation verify <file> --repo {repository}`.\n\n"
    )
    body = header + model_card
    return body if len(body) <= BODY_LIMIT else body[:BODY_LIMIT] + "\n\n(cut: see MODEL_CARD.md)"


def publish(release_dir: Path, tag: str, repository: str) -> dict[str, Any]:
    """Verify the files, create the release for `tag`, upload every file; return the release."""
    listed = assets.verify_sums(release_dir)
    info = json.loads((release_dir / assets.RELEASE_INFO).read_text(encoding="utf-8"))
    if info.get("tag") != tag:
        raise TabmlError(
            f"{release_dir / assets.RELEASE_INFO} is for tag '{info.get('tag')}', not '{tag}'"
        )
    try:
        release = github.request(
            "POST",
            f"/repos/{repository}/releases",
            {
                "tag_name": tag,
                "name": f"{info['artifact']} {info['version']}",
                "body": release_body(release_dir, repository),
                "draft": False,
                "prerelease": "-" in str(info["version"]),
            },
        )
    except TabmlError as error:
        raise TabmlError(
            f"{error} (a release for '{tag}' may already exist; delete it to publish again)"
        ) from None
    uploaded = [upload_asset(release["upload_url"], release_dir / name) for name in sorted(listed)]
    uploaded.append(upload_asset(release["upload_url"], release_dir / assets.SUMS))
    return {**release, "assets": uploaded}
