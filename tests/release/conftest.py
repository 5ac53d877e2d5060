"""Fixtures for the release tests: real git repositories with a real DVC pipeline.

`gate_repo` is a one-stage DVC pipeline (it copies `scores.json` to reports/metrics.json) with the
project's params.yaml and .gto: enough for the lock and gate checks; `plain_repo` has the same
files without DVC, for the checks that come first.
`trained_repo` (session) is the small project with the real pipeline stages and a dvc.lock that
records them, and the package's files, lock and Dockerfile: what a release is built from.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tabml.cli import app
from tests.release.release_repos import (
    GATE_DVC_YAML,
    STAGES,
    commit,
    copy_image_inputs,
    write_scores,
)
from tests.support import FIXTURES, ROOT, run, tool_env, write_small_project


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process git and gto calls use the same isolated identity as `support.run`."""
    for key, value in tool_env().items():
        if key.startswith(("GIT_", "DVC_")):
            monkeypatch.setenv(key, value)
    for key in ("GITHUB_OUTPUT", "GITHUB_TOKEN", "GH_TOKEN"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def plain_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The gate pipeline's files committed on main, never reproduced (no DVC run): enough for
    the checks that come before DVC (work tree, main branch, arguments). The working directory."""
    repo = tmp_path / "plain"
    repo.mkdir()
    shutil.copy(FIXTURES / "adult_sample.params.yaml", repo / "params.yaml")  # the tests' own
    shutil.copy(ROOT / ".gto", repo / ".gto")
    (repo / "dvc.yaml").write_text(yaml.safe_dump(GATE_DVC_YAML, sort_keys=False))
    write_scores(repo)
    run(["git", "init", "-q", "-b", "main"], repo)
    commit(repo, "gate pipeline files")
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture(scope="session")
def gate_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed, reproduced one-stage pipeline on main (copied by `gate_repo`)."""
    repo = tmp_path_factory.mktemp("gate") / "repo"
    repo.mkdir()
    shutil.copy(FIXTURES / "adult_sample.params.yaml", repo / "params.yaml")  # the tests' own
    shutil.copy(ROOT / ".gto", repo / ".gto")
    (repo / "dvc.yaml").write_text(yaml.safe_dump(GATE_DVC_YAML, sort_keys=False))
    write_scores(repo)
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["dvc", "init", "-q"], repo)
    run(["dvc", "repro", "-q"], repo)
    commit(repo, "gate pipeline")
    return repo


@pytest.fixture
def gate_repo(gate_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the gate pipeline; the working directory."""
    repo = tmp_path / "repo"
    shutil.copytree(gate_template, repo, symlinks=True)
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture(scope="session")
def trained_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project trained by the pipeline's stages, its dvc.lock recorded, on main."""
    repo = tmp_path_factory.mktemp("trained") / "repo"
    repo.mkdir()
    write_small_project(repo)
    shutil.copy(ROOT / "dvc.yaml", repo / "dvc.yaml")
    shutil.copy(ROOT / ".gto", repo / ".gto")
    for name in ("data/raw/adult.provenance.yaml", "docs/model-card.yaml", ".gitignore"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, repo / name)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    for dep in {d for stage in stages for d in stage["deps"] if d.startswith("src/")}:
        (repo / dep).parent.mkdir(parents=True, exist_ok=True)  # code deps DVC hashes
        shutil.copy(ROOT / dep, repo / dep)
    copy_image_inputs(repo)
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["dvc", "init", "-q"], repo)
    runner = CliRunner()
    with contextlib.chdir(repo):
        for stage in STAGES:
            result = runner.invoke(app, [stage])
            assert result.exit_code == 0, result.output
    run(["dvc", "commit", "--force", "-q"], repo)  # dvc.lock records what the stages made
    commit(repo, "trained")
    return repo


@pytest.fixture
def trained_repo(
    trained_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A private copy of the trained project; the working directory."""
    repo = tmp_path / "trained"
    shutil.copytree(trained_template, repo, symlinks=True)
    monkeypatch.chdir(repo)
    yield repo
