"""The sweep across CI jobs: the `strategy.matrix` it expands to, and reading each job's artifact
back (missing, failed, for other params, unreadable or complete), without running DVC."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tabml import io
from tabml.errors import TabmlError
from tabml.sweep.matrix import matrix, matrix_json, read_result, resolve_base, run_one
from tabml.sweep.spec import Candidate, Sweep
from tabml.sweep.table import SUCCESS
from tests.support import run

LR = "train.hist_gradient_boosting.learning_rate"
ITER = "train.hist_gradient_boosting.max_iter"
SWEEP = Sweep(
    "sweeps/lr.yaml",
    [LR, ITER],
    [Candidate(0, {LR: 0.05, ITER: 100}), Candidate(1, {LR: 0.1, ITER: 100})],
)


def artifact(folder: Path, candidate: Candidate, status: str = SUCCESS, **info: object) -> Path:
    folder.mkdir()
    record = {"index": candidate.index, "params": candidate.params, "status": status} | info
    io.write_json(folder / "candidate.json", record)
    return folder


def test_the_matrix_has_one_entry_per_candidate_labelled_by_what_varies() -> None:
    include = matrix(SWEEP)["include"]
    assert [entry["index"] for entry in include] == [0, 1]
    assert [entry["label"] for entry in include] == ["learning_rate=0.05", "learning_rate=0.1"]
    line = matrix_json(SWEEP)
    assert "\n" not in line and " " not in line  # one step-output line for fromJSON
    assert json.loads(line) == matrix(SWEEP)


def test_an_index_outside_the_sweep_is_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match=r"sweeps/lr.yaml: no candidate 2 \(it has 2, from 0\)"):
        run_one(SWEEP, 2, tmp_path / "out", cwd=tmp_path)
    assert not (tmp_path / "out").exists()


def test_a_missing_artifact_is_a_failed_result_not_a_lost_one(tmp_path: Path) -> None:
    result = read_result(tmp_path / "sweep-candidate-0", SWEEP.candidates[0])
    assert (result.name, result.status) == ("candidate 0", "failed")
    assert result.error == "no artifact (the job failed early)"
    assert result.params == SWEEP.candidates[0].params and result.metrics == {}


def test_a_failed_run_keeps_its_error(tmp_path: Path) -> None:
    candidate = SWEEP.candidates[1]
    folder = artifact(tmp_path / "a", candidate, "failed", error="dvc exp run exited 1")
    result = read_result(folder, candidate)
    assert (result.status, result.error) == ("failed", "dvc exp run exited 1")


def test_an_artifact_for_other_params_is_refused(tmp_path: Path) -> None:
    folder = artifact(tmp_path / "a", SWEEP.candidates[1])
    with pytest.raises(TabmlError, match="params differ from candidate 0"):
        read_result(folder, SWEEP.candidates[0])


def test_a_complete_artifact_gives_its_numeric_metrics_and_predictions(tmp_path: Path) -> None:
    candidate = SWEEP.candidates[0]
    folder = artifact(tmp_path / "a", candidate)
    io.write_json(folder / "metrics.json", {"roc_auc": 0.91, "n_test": 200, "model": "hgb"})
    (folder / "predictions.csv").write_text("row_id,label,score\n0,1,0.8\n1,0,0.3\n")
    result = read_result(folder, candidate)
    assert result.status == SUCCESS and result.metrics == {"roc_auc": 0.91, "n_test": 200.0}
    assert result.predictions is not None and list(result.predictions["score"]) == [0.8, 0.3]


def test_an_artifact_without_its_reports_is_a_failed_result(tmp_path: Path) -> None:
    candidate = SWEEP.candidates[0]
    folder = artifact(tmp_path / "a", candidate)
    result = read_result(folder, candidate)
    assert result.status == "failed" and (result.error or "").startswith("unreadable artifact")


def test_the_base_is_origins_branch_then_the_local_one_and_a_missing_one_is_named(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["git", "commit", "-q", "--allow-empty", "-m", "one"], repo)
    local = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    assert resolve_base("main", repo) == local
    run(["git", "commit", "-q", "--allow-empty", "-m", "two"], repo)
    run(["git", "update-ref", "refs/remotes/origin/main", local], repo)
    assert resolve_base("main", repo) == local  # a CI checkout: origin/main, not the local head
    with pytest.raises(TabmlError, match="base branch 'nope' not found"):
        resolve_base("nope", repo)
