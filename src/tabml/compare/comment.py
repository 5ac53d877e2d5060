"""The trusted side of the PR comment: check an artifact from a PR run, then render the comment.

Runs in `pr-comment.yml` with a write token and code from the default branch. Everything the PR
run wrote is data: the manifest and report data are validated (manifest.py), the PR must still
have the run's head, and the comment is rendered here from the validated data. Its verdict is the
run's conclusion, which GitHub reports and PR code cannot forge; its only link is the run's page,
built from the trusted event. The markdown the PR run wrote is never posted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from tabml.compare.manifest import check_pr_head, load_verified
from tabml.compare.render import COMMENT_BUDGET, Conclusion, render_comment
from tabml.errors import TabmlError, shown
from tabml.platform import actions, github

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SERVER = re.compile(r"^https?://[A-Za-z0-9.:-]+$")


@dataclass(frozen=True)
class Prepared:
    """The PR to comment on and the rendered comment's file."""

    pr_number: int
    comment: Path


def run_url(repo: str, run_id: int) -> str:
    """The report run's page (job summary and artifacts), from trusted values only."""
    server = actions.server_url()
    if not _SERVER.fullmatch(server):
        raise TabmlError(f"GITHUB_SERVER_URL {shown(server)} is not a plain http(s) origin")
    if not _REPO.fullmatch(repo):
        raise TabmlError(f"--repo {shown(repo)} is not owner/name")
    return f"{server}/{repo}/actions/runs/{run_id}"


def prepare(
    artifact_dir: Path,
    run_head_sha: str,
    *,
    repo: str,
    conclusion: str,
    run_id: int,
    out: Path | None = None,
) -> Prepared:
    """Validate the artifact against the run and the PR, and write the comment to `out`."""
    if conclusion not in ("success", "failure"):
        raise TabmlError(
            f"--run-conclusion must be success or failure (workflow_run.conclusion), got "
            f"{shown(conclusion)}"
        )
    url = run_url(repo, run_id)
    manifest, data = load_verified(artifact_dir / "manifest.json", run_head_sha)
    pull = github.request("GET", f"/repos/{repo}/pulls/{manifest.pr_number}")
    check_pr_head(manifest, pull, run_head_sha)
    markdown = render_comment(data, cast(Conclusion, conclusion), url, COMMENT_BUDGET)
    target = out or artifact_dir.parent / "pr-comment.md"
    target.write_text(markdown, encoding="utf-8")
    return Prepared(manifest.pr_number, target)
