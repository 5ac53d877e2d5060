"""Create the GitHub Release of a tag and upload the release files as its assets.

Both go through the one GitHub client (`tabml.platform.github`): the release is a JSON call,
each asset's raw bytes go to the release's `upload_url` (uploads.github.com on GitHub).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tabml.errors import TabmlError
from tabml.platform import github
from tabml.release import assets

BODY_LIMIT = 120_000  # GitHub refuses release bodies over 125,000 characters


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
    files = [release_dir / name for name in sorted(listed)] + [release_dir / assets.SUMS]
    uploaded = [github.upload(release["upload_url"], path) for path in files]
    return {**release, "assets": uploaded}
