"""retrain.yml and monitor.yml executed with act on the host, GitHub calls recorded by the
emulator. Both snapshots get a local DVC remote holding main's pipeline outputs, so the
reference model is pulled rather than retrained (as a fork with a remote would do).

Monitor: two runs on a drifted batch open ONE `drift` issue, then update it (PATCH, no second
POST); the second run, with the repository variable RETRAIN_ON_DRIFT=true, also dispatches
retrain.yml. Retrain: two new batches pass the gate, so the retrain commit is pushed (origin's
push URL is a local bare repository) and one pull request is opened with the report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.support import run
from tests.workflows.act import ActResult
from tests.workflows.git_repos import commit_all
from tests.workflows.github_emulator import GitHubEmulator

pytestmark = pytest.mark.slow
REPO = "acme/tabml-demo"


def with_remote_and_batches(
    workflow_repo: Path, reproduced_repo: Path, tmp_path: Path, *batch_args: str
) -> None:
    """Push main's outputs to a local DVC remote, configure it, commit batches made by
    `tabml batches` from main's test split."""
    reproduced = tmp_path / "reproduced"
    shutil.copytree(reproduced_repo, reproduced, symlinks=True)
    remote = tmp_path / "dvc-remote"
    run(["dvc", "remote", "add", "--local", "-d", "storage", str(remote)], reproduced)
    run(["dvc", "push", "-q"], reproduced)
    incoming = str(workflow_repo / "data/incoming")
    run(["tabml", "batches", *batch_args, "--out", incoming], reproduced)
    run(["dvc", "remote", "add", "-d", "storage", str(remote)], workflow_repo)
    commit_all(workflow_repo, "a DVC remote and incoming batches")


def test_monitor_opens_one_drift_issue_then_updates_it_and_dispatches_a_retrain(
    workflow_repo: Path,
    run_workflow: Callable[..., ActResult],
    emulator: GitHubEmulator,
    reproduced_repo: Path,
    tmp_path: Path,
) -> None:
    shift = ["-n", "2", "--shift", "age=+10", "--shift", "hours-per-week=*1.3"]
    with_remote_and_batches(workflow_repo, reproduced_repo, tmp_path, *shift)

    first = run_workflow(".github/workflows/monitor.yml", "workflow_dispatch", {}, run_id=1)
    first.check()
    assert "monitor-check: drift=true" in first.output
    (created,) = emulator.calls("POST", f"/repos/{REPO}/issues$")
    assert created.json["labels"] == ["drift"] and created.token_present
    assert created.json["title"] == "Data drift detected in data/incoming/2024-01-08.csv"
    body = created.json["body"]
    assert f"https://github.com/{REPO}/actions/workflows/retrain.yml" in body
    assert "**Drift detected**" in body and "column 'age' drifted" in body
    assert emulator.calls("POST", "/dispatches$") == []  # RETRAIN_ON_DRIFT not set
    assert (first.artifact("drift-report") / "drift.json").exists()

    second = run_workflow(
        ".github/workflows/monitor.yml",
        "workflow_dispatch",
        {},
        run_id=2,
        variables={"RETRAIN_ON_DRIFT": "true"},
    )
    second.check()
    assert len(emulator.calls("POST", f"/repos/{REPO}/issues$")) == 1  # not duplicated
    (updated,) = emulator.calls("PATCH", f"/repos/{REPO}/issues/")
    assert updated.path == f"/repos/{REPO}/issues/{created_number(emulator)}"
    assert "A retrain run was requested" in updated.json["body"]
    (issue,) = emulator.repo(REPO).issues.values()
    assert issue["body"] == updated.json["body"] and issue["state"] == "open"
    (dispatch,) = emulator.repo(REPO).dispatches
    assert dispatch == {"workflow": "retrain.yml", "body": {"ref": "main"}}


def created_number(emulator: GitHubEmulator) -> int:
    (number,) = emulator.repo(REPO).issues
    return number


def test_retrain_pushes_the_branch_and_opens_one_pull_request(
    workflow_repo: Path,
    run_workflow: Callable[..., ActResult],
    emulator: GitHubEmulator,
    reproduced_repo: Path,
    tmp_path: Path,
) -> None:
    with_remote_and_batches(workflow_repo, reproduced_repo, tmp_path, "-n", "2")
    bare = tmp_path / "origin.git"
    run(["git", "init", "-q", "--bare", str(bare)], tmp_path)
    run(["git", "remote", "set-url", "--push", "origin", str(bare)], workflow_repo)

    result = run_workflow(".github/workflows/retrain.yml", "workflow_dispatch", {})
    result.check()
    assert "retrain: pull (the quality gate passed)" in result.output
    (created,) = emulator.calls("POST", f"/repos/{REPO}/pulls$")
    assert created.token_present
    assert (created.json["head"], created.json["base"]) == ("retrain/auto", "main")
    assert created.json["title"].startswith("Retrain on data through 2024-01-08: roc_auc ")
    assert "Quality gate passed" in created.json["body"]
    assert emulator.calls("GET", f"/repos/{REPO}/pulls$")[0].query["head"] == ["acme:retrain/auto"]
    assert emulator.calls("POST", f"/repos/{REPO}/issues$") == []

    pushed = run(["git", "show", "retrain/auto:params.yaml"], bare).stdout
    assert yaml.safe_load(pushed)["data"]["path"] == "data/train/adult.csv"
    parent = run(["git", "rev-parse", "retrain/auto~1"], bare).stdout.strip()
    assert parent == run(["git", "rev-parse", "HEAD"], workflow_repo).stdout.strip()
    assert (result.artifact("retrain-report") / "report.md").exists()
