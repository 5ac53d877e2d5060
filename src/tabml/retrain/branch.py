"""Git for the retrain: commit the new table on the retrain branch, push it with the token."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from tabml.errors import TabmlError

BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


def _git(*args: str, env: dict[str, str] | None = None, cwd: Path = Path()) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise TabmlError(f"git {args[0]}: {message}")
    return result.stdout.strip()


def _identity(cwd: Path) -> dict[str, str]:
    """The bot as author and committer when git has no identity configured (CI runners)."""
    configured = subprocess.run(
        ["git", "config", "user.email"], cwd=cwd, capture_output=True, text=True, check=False
    )
    if configured.stdout.strip():
        return {}
    name, email = BOT
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def commit_on_branch(branch: str, paths: list[str], message: str, cwd: Path = Path()) -> str:
    """Create or reset `branch` at HEAD, commit `paths` on it, return the new commit's SHA."""
    _git("checkout", "--quiet", "-B", branch, cwd=cwd)
    _git("add", "--all", "--", *paths, cwd=cwd)
    _git("commit", "--quiet", "--no-verify", "-m", message, env=_identity(cwd), cwd=cwd)
    return _git("rev-parse", "HEAD", cwd=cwd)


def is_dirty(paths: list[str], cwd: Path = Path()) -> bool:
    """True when tracked files among `paths` have uncommitted changes."""
    return bool(_git("status", "--porcelain", "--untracked-files=no", "--", *paths, cwd=cwd))


def push_branch(branch: str, remote: str = "origin", cwd: Path = Path()) -> None:
    """Force-push HEAD to `branch` (the bot's branch, rebuilt from main on each run).

    The token goes to git as an HTTP header through GIT_CONFIG_* variables: never in argv, a
    remote URL or .git/config (the checkout keeps persist-credentials: false)."""
    env: dict[str, str] = {}
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if token:
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env = {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.{server}/.extraheader",
            "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
        }
    _git("push", "--quiet", "--force", remote, f"HEAD:refs/heads/{branch}", env=env, cwd=cwd)
