"""Git for the retrain: the new table is committed on the retrain branch, rebuilt from HEAD."""

from __future__ import annotations

from pathlib import Path

from tabml.platform import git


def commit_on_branch(branch: str, paths: list[str], message: str, cwd: Path = Path()) -> str:
    """Create or reset `branch` at HEAD, commit `paths` on it, return the new commit's SHA."""
    git.git("checkout", "--quiet", "-B", branch, cwd=cwd)
    return git.commit(paths, message, cwd=cwd)
