"""sweep.yml under act: a 2-candidate inline grid fans out over the matrix, each job uploads its
candidate's files, and the final job ranks both against main's committed predictions and
comments the table on a PR (emulator).

To keep the run short the snapshot trains on the 600-row sample (tests/fixtures) and commits
its reproduced reports: those are "main's committed predictions" the candidates are paired with.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.support import FIXTURES, run
from tests.workflows.act import ActResult
from tests.workflows.git_repos import commit_all
from tests.workflows.github_emulator import GitHubEmulator

pytestmark = pytest.mark.slow
REPO = "acme/tabml-demo"
LR = "train.hist_gradient_boosting.learning_rate"
GRID = json.dumps({LR: [0.05, 0.3]})


def small_main(repo: Path) -> None:
    """Swap in the sample data and fast params, reproduce, commit: the baseline on main."""
    shutil.copy(FIXTURES / "adult_sample.csv", repo / "data" / "raw" / "adult.csv")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"]["hist_gradient_boosting"]["max_iter"] = 30
    params["evaluate"]["importance_repeats"] = 2
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "repro"], repo)
    commit_all(repo, "small baseline")


def test_sweep_workflow_fans_out_and_ranks_the_candidates(
    workflow_repo: Path,
    run_workflow: Callable[..., ActResult],
    emulator: GitHubEmulator,
    project_root: Path,
) -> None:
    small_main(workflow_repo)
    inputs = {"grid": GRID, "pr": "7", "base": "main", "sweep": "sweeps/default.yaml"}
    result = run_workflow(
        ".github/workflows/sweep.yml", "workflow_dispatch", {"inputs": inputs}, inputs=inputs
    )
    result.check()

    # The expand job's matrix: one entry per grid value.
    assert '{"include":[{"index":0,"label":"learning_rate=0.05"},' in result.output
    assert "Candidate 1: learning_rate=0.3" in result.output

    committed = pd.read_csv(workflow_repo / "reports" / "predictions.csv")
    metrics = {}
    for index, rate in enumerate([0.05, 0.3]):
        folder = result.artifact(f"sweep-candidate-{index}")
        assert {p.name for p in folder.iterdir()} == {
            "candidate.json",
            "params.yaml",
            "metrics.json",
            "predictions.csv",
        }
        info = json.loads((folder / "candidate.json").read_text())
        assert info == {"index": index, "params": {LR: rate}, "status": "success", "error": None}
        params = yaml.safe_load((folder / "params.yaml").read_text())
        assert params["train"]["hist_gradient_boosting"]["learning_rate"] == rate
        predictions = pd.read_csv(folder / "predictions.csv")
        assert sorted(predictions["row_id"]) == sorted(committed["row_id"])  # paired rows
        metrics[index] = json.loads((folder / "metrics.json").read_text())["roc_auc"]
    assert metrics[0] != metrics[1]

    table = (result.artifact("sweep-table") / "sweep-table.md").read_text()
    body = [line for line in table.splitlines() if line.startswith("| ") and "rank" not in line]
    assert len(body) == 3
    best = max(metrics, key=lambda i: metrics[i])
    worst = 1 - best
    names = [line.split(" | ")[1] for line in body]
    baseline_at = next(i for i, name in enumerate(names) if name.startswith("**main ("))
    ordered = [n for n in names if not n.startswith("**")]
    assert ordered == [f"candidate {best}", f"candidate {worst}"]
    assert f"| {metrics[best]:.4f} |" in body[names.index(f"candidate {best}")]
    assert all("[" in line and "]" in line for i, line in enumerate(body) if i != baseline_at)
    assert "did not finish" not in table
    assert "Ranked by `roc_auc`" in table and table.splitlines()[4] in result.output

    (comment,) = emulator.calls("POST", rf"/repos/{REPO}/issues/7/comments$")
    assert comment.json["body"] == table and comment.token_present

    workflow = yaml.safe_load((project_root / ".github/workflows/sweep.yml").read_text())
    permissions = {job: spec["permissions"] for job, spec in workflow["jobs"].items()}
    assert permissions == {
        "expand": {"contents": "read"},
        "run": {"contents": "read"},
        "aggregate": {"contents": "read", "pull-requests": "write"},
    }
    assert workflow["jobs"]["run"]["strategy"]["fail-fast"] is False
