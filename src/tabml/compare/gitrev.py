"""Small, explicit git operations for comparing the workspace with a base revision."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tabml.errors import TabmlError


def git(*args: str, cwd: Path = Path()) -> str:
    """Run git and return its stdout; a failure becomes one sentence."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise TabmlError(f"git {' '.join(args)}: {message}")
    return result.stdout.strip()


def rev_parse(rev: str, cwd: Path = Path()) -> str:
    """The full SHA of a revision, or one clear error (e.g. a shallow clone lacks it)."""
    try:
        return git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", cwd=cwd)
    except TabmlError:
        raise TabmlError(
            f"git revision '{rev}' not found; fetch it (actions/checkout needs fetch-depth: 0)"
        ) from None


def merge_base(target: str, head: str = "HEAD", cwd: Path = Path()) -> str:
    """The merge-base of the target branch and HEAD: what the PR is compared against."""
    target_sha, head_sha = rev_parse(target, cwd), rev_parse(head, cwd)
    try:
        return git("merge-base", target_sha, head_sha, cwd=cwd)
    except TabmlError:
        raise TabmlError(
            f"no merge-base between '{target}' and {head}; the clone may be shallow "
            "(actions/checkout needs fetch-depth: 0)"
        ) from None


def show(rev: str, path: str, cwd: Path = Path()) -> bytes | None:
    """A file's bytes at a revision, or None when it does not exist there."""
    result = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=cwd, capture_output=True, check=False
    )
    return result.stdout if result.returncode == 0 else None


def is_dirty(cwd: Path = Path()) -> bool:
    """True when tracked files have uncommitted changes."""
    return bool(git("status", "--porcelain", "--untracked-files=no", cwd=cwd))


@contextmanager
def worktree(rev: str, path: Path, cwd: Path = Path()) -> Iterator[Path]:
    """A detached git worktree of `rev` at `path`, removed afterwards."""
    git("worktree", "add", "--detach", "--force", str(path), rev, cwd=cwd)
    try:
        yield path
    finally:
        git("worktree", "remove", "--force", str(path), cwd=cwd)
