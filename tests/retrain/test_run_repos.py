"""The retrain loop on real git repositories: `tabml batches`, then build, `dvc repro`, commit
on the retrain branch and the report against main. A batch that keeps or improves the model
gives a pull-request payload; a label-flipped one regresses it and gives an issue payload."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import run

RETRAIN = [["tabml", "retrain", "build"], ["dvc", "repro"], ["tabml", "retrain", "commit"]]


def retrain(repo: Path) -> dict[str, Any]:
    for cmd in [*RETRAIN, ["tabml", "retrain", "report"]]:
        run(cmd, repo)
    return json.loads((repo / "reports/pr/retrain-decision.json").read_text())  # type: ignore[no-any-return]


def with_batches(repo: Path, flip: bool = False) -> None:
    run(["tabml", "batches", "-n", "2"], repo)
    if flip:  # every label of the newest batch inverted: noise the gate must catch
        newest = sorted((repo / "data/incoming").glob("*.csv"))[-1]
        lines = newest.read_text().splitlines()
        swap = {">50K": "<=50K", "<=50K": ">50K"}
        flipped = [",".join([*row.split(",")[:-1], swap[row.split(",")[-1]]]) for row in lines[1:]]
        newest.write_text("\n".join([lines[0], *flipped]) + "\n")
    run(["git", "add", "data/incoming"], repo)
    run(["git", "commit", "-qm", "new batches"], repo)


def show(repo: Path, rev: str, path: str) -> str:
    return run(["git", "show", f"{rev}:{path}"], repo).stdout


@pytest.mark.slow
def test_a_batch_that_keeps_the_model_leads_to_a_pull_request(repo_copy: Path) -> None:
    raw = hashlib.sha256((repo_copy / "data/raw/adult.csv").read_bytes()).hexdigest()
    with_batches(repo_copy)
    decision = retrain(repo_copy)
    assert decision["kind"] == "pull", decision["reason"]
    assert (decision["head"], decision["base"]) == ("retrain/auto", "main")
    assert "Quality gate passed" in decision["body"]
    assert decision["body"].count("| yes |") == 2  # both batches new

    # the branch has the table and params pointing at it; main and data/raw/ are untouched
    branch = yaml.safe_load(show(repo_copy, "retrain/auto", "params.yaml"))
    assert branch["data"]["path"] == "data/train/adult.csv"
    assert yaml.safe_load(show(repo_copy, "main", "params.yaml"))["data"]["path"] == (
        "data/raw/adult.csv"
    )
    table = show(repo_copy, "retrain/auto", "data/train/adult.csv").splitlines()
    batches = sum(len(p.read_text().splitlines()) - 1 for p in repo_copy.glob("data/incoming/*"))
    raw_rows = len((repo_copy / "data/raw/adult.csv").read_text().splitlines()) - 1
    assert len(table) - 1 == raw_rows + batches
    assert hashlib.sha256((repo_copy / "data/raw/adult.csv").read_bytes()).hexdigest() == raw
    assert run(["git", "status", "--porcelain", "--untracked-files=no"], repo_copy).stdout == ""

    # the same data again, from the branch: nothing new, so nothing to publish
    again = retrain(repo_copy)
    assert again["kind"] == "none" and "already holds these 2 batches" in again["reason"]


@pytest.mark.slow
def test_a_label_flipped_batch_regresses_the_model_and_leads_to_an_issue(
    repo_copy: Path,
) -> None:
    with_batches(repo_copy, flip=True)
    decision = retrain(repo_copy)
    assert decision["kind"] == "issue", decision["reason"]
    assert decision["labels"] == ["retrain"]
    report = json.loads((repo_copy / "reports/pr/report.json").read_text())
    failed = [c["rule"] for c in report["checks"] if not c["passed"]]
    assert failed and all(f"- **{rule}**:" in decision["body"] for rule in failed)
    assert "Quality gate failed" in decision["body"]
