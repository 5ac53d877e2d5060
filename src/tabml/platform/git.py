"""Every git command tabml runs: one way to spawn git, and one sentence when it fails."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tabml.errors import TabmlError
from tabml.platform import actions, github, tools

BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
SHALLOW_HINT = "actions/checkout needs fetch-depth: 0"


def _command(args: tuple[str, ...]) -> str:
    """The command as an error shows it: short, whatever a commit message holds."""
    text = " ".join(("git", *args))
    return text if len(text) <= 80 else text[:79] + "…"


def _spawn(
    args: tuple[str, ...],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[bytes]:
    try:
        return tools.run(
            ["git", *args], cwd, env={**os.environ, **env} if env else None, timeout=timeout
        )
    except OSError:
        if not cwd.is_dir():
            raise TabmlError(f"{cwd}: not a directory, so git cannot run there") from None
        raise TabmlError("git was not found on PATH; install git") from None
    except subprocess.TimeoutExpired:
        raise TabmlError(f"{_command(args)}: no answer in {timeout:g} s") from None


def git(
    *args: str, cwd: Path = Path(), env: Mapping[str, str] | None = None, strip: bool = True
) -> str:
    """Run git and return its stdout; a failure becomes one sentence with git's last line."""
    result = _spawn(args, cwd, env)
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise TabmlError(f"{_command(args)}: {(lines or ['failed'])[-1].strip()}")
    out = result.stdout.decode(errors="replace")
    return out.strip() if strip else out


def attempt(*args: str, cwd: Path = Path(), timeout: float | None = None) -> str | None:
    """git's stripped stdout, or None when git fails, is missing or hangs (a best effort)."""
    try:
        result = _spawn(args, cwd, timeout=timeout)
    except TabmlError:
        return None
    return result.stdout.decode(errors="replace").strip() if result.returncode == 0 else None


def rev_parse(rev: str, cwd: Path = Path()) -> str:
    """The full SHA of a revision, or one clear error (e.g. a shallow clone lacks it)."""
    try:
        return git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", cwd=cwd)
    except TabmlError:
        raise TabmlError(f"git revision '{rev}' not found; fetch it ({SHALLOW_HINT})") from None


def head(cwd: Path = Path()) -> str | None:
    """The SHA of HEAD, or None without git or a repository (provenance is optional there)."""
    return attempt("rev-parse", "HEAD", cwd=cwd, timeout=10) or None


def merge_base(target: str, head: str = "HEAD", cwd: Path = Path()) -> str:
    """The merge-base of the target branch and HEAD: what the PR is compared against."""
    target_sha, head_sha = rev_parse(target, cwd), rev_parse(head, cwd)
    try:
        return git("merge-base", target_sha, head_sha, cwd=cwd)
    except TabmlError:
        raise TabmlError(
            f"no merge-base between '{target}' and {head}; the clone may be shallow "
            f"({SHALLOW_HINT})"
        ) from None


def show(rev: str, path: str, cwd: Path = Path()) -> bytes | None:
    """A file's bytes at a revision, or None when it does not exist there."""
    result = _spawn(("show", f"{rev}:{path}"), cwd)
    return result.stdout if result.returncode == 0 else None


def is_dirty(paths: list[str] | None = None, cwd: Path = Path()) -> bool:
    """True when tracked files (among `paths`, if given) have uncommitted changes."""
    limit = ["--", *paths] if paths else []
    return bool(git("status", "--porcelain", "--untracked-files=no", *limit, cwd=cwd))


@contextmanager
def worktree(rev: str, path: Path, cwd: Path = Path()) -> Iterator[Path]:
    """A detached git worktree of `rev` at `path`, removed afterwards, even when interrupted.

    `add` is inside the `try`: a SIGTERM during it leaves a registered, still-locked worktree,
    which only a double `--force` removes; `prune` drops whatever registration is left.
    """
    try:
        git("worktree", "add", "--detach", "--force", str(path), rev, cwd=cwd)
        yield path
    finally:
        attempt("worktree", "remove", "--force", "--force", str(path), cwd=cwd)
        attempt("worktree", "prune", cwd=cwd)


def identity_env(cwd: Path = Path()) -> dict[str, str]:
    """The Actions bot as author and committer when git has no identity configured (CI)."""
    if attempt("config", "user.email", cwd=cwd):
        return {}
    name, email = BOT
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def commit(paths: list[str], message: str, cwd: Path = Path()) -> str:
    """Stage `paths` (deletions too), commit them without hooks, return the new commit's SHA."""
    git("add", "--all", "--", *paths, cwd=cwd)
    git("commit", "--quiet", "--no-verify", "-m", message, env=identity_env(cwd), cwd=cwd)
    return git("rev-parse", "HEAD", cwd=cwd)


def token_env() -> dict[str, str]:
    """Git settings that send the workflow token to the GitHub server as an HTTP header.

    Through GIT_CONFIG_* variables: never in argv, a remote URL or .git/config (the checkout
    keeps persist-credentials: false). Empty without a token (a local remote needs none)."""
    token = github.optional_token()
    if not token:
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{actions.server_url()}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
    }


def force_push(branch: str, remote: str = "origin", cwd: Path = Path()) -> None:
    """Force-push HEAD to `branch` on `remote`, with the workflow token when there is one."""
    git("push", "--quiet", "--force", remote, f"HEAD:refs/heads/{branch}", env=token_env(), cwd=cwd)
