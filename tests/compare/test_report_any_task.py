"""The PR report and gate through the real pipeline on a multiclass and a regression project
(`dvc repro`, `tabml report`, `tabml gate`): the task's metrics, baseline and charts reach the
report, and a one-param PR passes the default gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compare.scenarios import commit_pipeline, run_scenario, set_params
from tests.stages.task_tables import write_task_project

pytestmark = pytest.mark.slow

EXPECTED = {
    "multiclass": ("f1_macro", "most_frequent", 'title "Recall per class"'),
    "regression": ("rmse", "mean", 'title "Absolute error"'),
}


@pytest.mark.parametrize("task", sorted(EXPECTED))
def test_a_one_param_pr_gets_its_tasks_report_and_passes(tmp_path: Path, task: str) -> None:
    headline, strategy, chart = EXPECTED[task]
    root = tmp_path / "main"
    root.mkdir()
    write_task_project(root, task)
    commit_pipeline(root, f"{task}: reproduced")
    change = set_params(**{"train.hist_gradient_boosting.max_iter": 20})
    outcome = run_scenario(root, tmp_path / "pr", change)
    assert outcome.summary["task"] == task and outcome.summary["headline"] == headline
    assert outcome.summary["baseline"]["strategy"] == strategy
    rules = {c["rule"]: c["passed"] for c in outcome.summary["checks"]}
    assert rules[f"{headline} beats the trivial baseline (significant)"] is True
    assert outcome.gate_exit == 0, outcome.gate_output
    assert chart in outcome.markdown
    assert f"Task: **{'multiclass classification' if task == 'multiclass' else task}**" in (
        outcome.markdown
    )
