"""Post a sweep's ranked table on its pull request (the CI fan-out's last step)."""

from __future__ import annotations

from pathlib import Path

from tabml.errors import TabmlError
from tabml.platform import github


def post_table(repo: str, pr: int, table: Path) -> str:
    """Comment the table file on PR `pr` of `repo` (needs GITHUB_TOKEN); the comment's URL."""
    if not table.is_file():
        raise TabmlError(f"{table}: file not found; run `tabml sweep aggregate` first")
    body = table.read_text(encoding="utf-8")
    made = github.request("POST", f"/repos/{repo}/issues/{pr}/comments", {"body": body})
    return str(made.get("html_url", ""))
