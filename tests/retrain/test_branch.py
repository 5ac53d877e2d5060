"""The retrain branch on a real git repository: rebuilt from HEAD on every run, holding one
commit of the named paths only, whatever an earlier run left on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tabml.retrain.branch import commit_on_branch
from tests.support import run, tool_env


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with one commit on main; git's identity isolated as in `support.run`."""
    for key, value in tool_env().items():
        if key.startswith("GIT_"):
            monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "params.yaml").write_text("data: {path: data/raw/t.csv}\n")
    run(["git", "init", "-q", "-b", "main"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", "main"], root)
    return root


def log(repo: Path, ref: str) -> list[str]:
    return run(["git", "log", "--format=%s", ref], repo).stdout.splitlines()


def test_the_named_paths_are_committed_on_the_branch_and_nothing_else(repo: Path) -> None:
    (repo / "params.yaml").write_text("data: {path: data/train/t.csv}\n")
    (repo / "table.csv").write_text("a\n1\n")
    (repo / "scratch.txt").write_text("not part of the retrain\n")
    sha = commit_on_branch("retrain/auto", ["params.yaml", "table.csv"], "Retrain", repo)
    assert run(["git", "rev-parse", "retrain/auto"], repo).stdout.strip() == sha
    assert log(repo, "retrain/auto") == ["Retrain", "main"] and log(repo, "main") == ["main"]
    shown = run(["git", "show", "--name-only", "--format=", sha], repo).stdout.split()
    assert shown == ["params.yaml", "table.csv"]
    assert "scratch.txt" in run(["git", "status", "--porcelain"], repo).stdout


def test_a_second_run_rebuilds_the_branch_from_head(repo: Path) -> None:
    (repo / "table.csv").write_text("a\n1\n")
    first = commit_on_branch("retrain/auto", ["table.csv"], "Retrain 1", repo)
    run(["git", "switch", "-q", "main"], repo)
    (repo / "table.csv").write_text("a\n1\n2\n")
    second = commit_on_branch("retrain/auto", ["table.csv"], "Retrain 2", repo)
    assert second != first
    assert log(repo, "retrain/auto") == ["Retrain 2", "main"]  # the first run's commit is gone
