"""Layered fixtures: cheap per-test projects on small committed data, and one expensive
session-scoped reproduction of the real repository that function-scoped fixtures copy."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support import copy_repo, run, write_small_project
from tests.workflows.github_emulator import GitHubEmulator

# The order `make test` hands test files to its workers (tests/scheduling.py).
pytest_plugins = ["tests.scheduling"]

# The tests fit and score tiny tables, where OpenMP threads (scikit-learn's gradient boosting,
# the permutation importance of evaluate) only spin waiting for each other: on a busy 2-core
# machine, evaluate on the 600-row sample cost 8.9 s of CPU instead of 0.7 s. Set before
# scikit-learn loads its OpenMP runtime; subprocesses (tabml, dvc) inherit it.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project in `tmp_path`, which becomes the working directory."""
    write_small_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def trained_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with its four stages run through the CLI, once per session (about
    3 s of CPU). Shared: copy it before changing anything."""
    from tabml.cli import app

    root = tmp_path_factory.mktemp("trained-small")
    write_small_project(root)
    runner = CliRunner()
    with contextlib.chdir(root):
        for stage in ("prepare", "featurize", "train", "evaluate"):
            result = runner.invoke(app, [stage])
            assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    """The loopback GitHub REST emulator as the API tabml calls, with a token (GITHUB_TOKEN)."""
    with GitHubEmulator() as emulator:
        monkeypatch.setenv("GITHUB_API_URL", emulator.url)
        monkeypatch.setenv("GITHUB_TOKEN", "test-token")
        monkeypatch.delenv("GH_TOKEN", raising=False)
        yield emulator


@pytest.fixture(scope="session")
def reproduced_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git copy of this repository with `dvc repro` run once on the full data (expensive)."""
    repo = copy_repo(tmp_path_factory.mktemp("reproduced"))
    run(["dvc", "repro"], repo)
    return repo


@pytest.fixture
def repo_copy(reproduced_repo: Path, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the reproduced repository (outputs and DVC cache included)."""
    target = tmp_path / "repo"
    shutil.copytree(reproduced_repo, target, symlinks=True)
    yield target
