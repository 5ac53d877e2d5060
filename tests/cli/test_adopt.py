"""`tabml adopt` through the CLI: the guess, what was written and the review list on stderr;
bad input one sentence with exit 1 and nothing written. The decisions are tested in
tests/scaffold/test_adopt*.py; `make adopt` end to end is the slow test there."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tabml.cli import app
from tabml.config import load_params
from tests.scaffold.test_adopt import make_project, snapshot, write_table

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    return root


def test_adopt_prints_the_guess_and_what_to_review(project: Path, tmp_path: Path) -> None:
    source = write_table(tmp_path / "prices.csv", "regression")
    result = runner.invoke(
        app, ["adopt", "--data", str(source), "--target", "churned", "--no-repro"]
    )
    assert result.exit_code == 0, result.output
    assert "task: regression (guessed from 60 distinct numeric values)" in result.stderr
    assert "set      data.task: regression" in result.stderr
    assert "Review before you commit (nothing is committed):" in result.stderr
    assert "  1. The task: regression" in result.stderr
    assert load_params(project / "params.yaml").data.task == "regression"


def test_a_task_can_be_asked_for(project: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": range(12), "grade": [1, 2, 3] * 4})
    frame.to_csv(tmp_path / "grades.csv", index=False)
    args = ["adopt", "--data", str(tmp_path / "grades.csv"), "--target", "grade"]
    result = runner.invoke(app, [*args, "--task", "regression", "--no-repro"])
    assert result.exit_code == 0, result.output
    assert "task: regression (as asked; 3 distinct numeric values)" in result.stderr


def test_an_unknown_target_is_one_sentence_and_changes_nothing(
    project: Path, tmp_path: Path
) -> None:
    source = write_table(tmp_path / "c.csv", "binary")
    before = snapshot(project)
    result = runner.invoke(app, ["adopt", "--data", str(source), "--target", "nope"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(f"error: {source}: has no column 'nope' to predict")
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(project) == before
