"""Helpers shared by tests: paths, a tool environment for subprocesses, repository copies."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent


def tool_env(**extra: str) -> dict[str, str]:
    """Environment for subprocesses: the venv's tools first on PATH, isolated git config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DVC_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "Test"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "test@example.com"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env.update(extra)
    return env


def project_uv() -> str:
    """The uv that `make setup` installs into the venv (a locked dev dependency).

    Never a uv found elsewhere on PATH: a test must pass on a machine where nothing was
    installed by hand.
    """
    uv = BIN / "uv"
    if not uv.is_file():
        raise AssertionError(f"{uv} is missing: run `make setup` (uv is a dev dependency)")
    return str(uv)


def run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command with the tool environment and captured text output."""
    result = subprocess.run(
        cmd, cwd=cwd, env=tool_env(), text=True, capture_output=True, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{cmd} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def repo_files() -> list[str]:
    """Files of this repository that a clone would have (tracked, or new and not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return [name for name in out.split("\0") if name and (ROOT / name).is_file()]


def copy_repo(target: Path) -> Path:
    """Copy the repository's files into `target` and make it a fresh git repo on main."""
    for name in repo_files():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination)
    run(["git", "init", "-q", "-b", "main"], target)
    run(["git", "add", "-A"], target)
    run(["git", "commit", "-q", "-m", "copy of the template"], target)
    return target


def copy_mypy_cache(target: Path) -> None:
    """Give a copy of the repository the checkout's mypy cache, when there is one (`make test`
    leaves it): mypy then re-checks only what changed (about 1 s, not 20 s cold), with the same
    result, since a cache entry counts only while its source file's size and hash match."""
    cache = ROOT / ".mypy_cache"
    if cache.is_dir():
        shutil.copytree(cache, target / ".mypy_cache", dirs_exist_ok=True)


def write_small_project(root: Path) -> Path:
    """A project on the committed 600-row sample with fast settings; returns params.yaml.

    Data, contract and params all come from tests/fixtures, never from the repository's own
    data/, contract or params.yaml: those are the user's, and a user who brings their own table
    must keep `make test` green.
    """
    (root / "data" / "raw").mkdir(parents=True)
    shutil.copy(FIXTURES / "adult_sample.csv", root / "data" / "raw" / "adult.csv")
    shutil.copy(FIXTURES / "adult_sample.contract.yaml", root / "data" / "contract.yaml")
    path = root / "params.yaml"
    path.write_text(small_params_text())
    return path


@functools.cache
def small_params_text() -> str:
    """The small project's params as YAML, parsed and dumped once per process (PyYAML's pure
    Python loader takes tens of milliseconds, and many tests write a small project)."""
    params = yaml.safe_load((FIXTURES / "adult_sample.params.yaml").read_text())
    return yaml.safe_dump(params, sort_keys=False)
