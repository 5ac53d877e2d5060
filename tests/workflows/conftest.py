"""Fixtures for proving GitHub Actions workflows offline.

Fixtures: ``project_root``, ``emulator`` (a running ``GitHubEmulator``), ``workflow_repo`` (a
one-commit snapshot of the project with an ``origin``), ``run_workflow`` (``run_act`` bound to
``workflow_repo``, ``tmp_path`` and ``emulator``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.act import ActResult, run_act
from tests.workflows.git_repos import snapshot_repo
from tests.workflows.github_emulator import GitHubEmulator

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project_root() -> Path:
    """The checkout under test (where ``.github/`` lives)."""
    return PROJECT_ROOT


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    """A running GitHub REST emulator on 127.0.0.1; stopped after the test."""
    with GitHubEmulator() as gh:
        yield gh


@pytest.fixture
def workflow_repo(tmp_path: Path) -> Path:
    """A one-commit copy of the project (tracked + untracked-not-ignored files), with origin
    ``https://github.com/acme/tabml-demo.git``, for act to run workflows in."""
    return snapshot_repo(PROJECT_ROOT, tmp_path / "repo")


@pytest.fixture
def run_workflow(
    workflow_repo: Path, tmp_path: Path, emulator: GitHubEmulator
) -> Callable[..., ActResult]:
    """``run_act`` with ``repo=workflow_repo``, ``tmp=tmp_path / "act"`` and ``api=emulator``."""

    def run(workflow: str, event: str, payload: dict[str, Any], **kwargs: Any) -> ActResult:
        kwargs.setdefault("api", emulator)
        kwargs.setdefault("tmp", tmp_path / "act")
        return run_act(workflow_repo, workflow, event, payload, **kwargs)

    return run
