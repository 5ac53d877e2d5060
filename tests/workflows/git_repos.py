"""Git repositories for act to run workflows in: act needs a commit (``github.sha`` is HEAD) and
an ``origin`` remote (``GITHUB_REPOSITORY`` comes from it). Git runs with no global or system
configuration and its own identity, so the caller's settings change nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

DEFAULT_ORIGIN = "https://github.com/acme/tabml-demo.git"
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
GIT_ID = ["-c", "user.name=act-test", "-c", "user.email=act-test@example.invalid"]


def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run git in ``repo`` with no global or system configuration; return stdout."""
    env = {**os.environ, **GIT_ENV}
    result = subprocess.run(
        ["git", *GIT_ID, "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {repo}: {result.stderr.strip()}")
    return result.stdout.strip()


def commit_all(repo: Path, message: str = "test commit") -> str:
    """Stage everything in ``repo``, commit (allowing an empty commit), return the new sha."""
    git(repo, "add", "-A")
    git(repo, "-c", "commit.gpgsign=false", "commit", "--quiet", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def snapshot_repo(src: Path, dest: Path, *, origin: str = DEFAULT_ORIGIN) -> Path:
    """Copy ``src``'s tracked and untracked-not-ignored files into a new one-commit repository
    at ``dest`` on branch ``main``, with remote ``origin``; return ``dest``."""
    if (src / ".git").exists():
        listing = git(src, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        files = [src / name for name in listing.split("\0") if name]
    else:
        files = [p for p in src.rglob("*") if ".git" not in p.parts and ".venv" not in p.parts]
    for file in files:
        if file.is_symlink() or file.is_file():
            target = dest / file.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            if file.is_symlink():
                target.symlink_to(file.readlink())
            else:
                shutil.copy2(file, target)
    dest.mkdir(parents=True, exist_ok=True)
    git(dest, "init", "--quiet", "--initial-branch=main")
    git(dest, "remote", "add", "origin", origin)
    commit_all(dest, "snapshot for act")
    return dest
