"""What must hold before a commit is tagged: the main branch found, a clean work tree, the commit
on main, and the gate's floors on the commit's own metrics, each refusal one sentence (real git
repositories, no DVC run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tabml.config import GateParams
from tabml.errors import TabmlError
from tabml.release.preflight import check_clean, check_gate, check_on_main, floor_checks, main_ref
from tests.release.release_repos import commit
from tests.support import run


def head(repo: Path) -> str:
    return run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


def test_the_main_branch_is_the_explicit_one_else_origins_else_the_local_one(
    plain_repo: Path,
) -> None:
    assert main_ref(cwd=plain_repo) == "main"
    run(["git", "update-ref", "refs/remotes/origin/main", head(plain_repo)], plain_repo)
    assert main_ref(cwd=plain_repo) == "origin/main"
    assert main_ref("main", cwd=plain_repo) == "main"
    with pytest.raises(TabmlError, match="git branch trunk not found; fetch main first"):
        main_ref("trunk", cwd=plain_repo)


def test_a_dirty_work_tree_is_refused_naming_a_changed_file(plain_repo: Path) -> None:
    check_clean(plain_repo)
    (plain_repo / "params.yaml").write_text("changed: true\n")
    (plain_repo / "scores.json").write_text("{}\n")
    with pytest.raises(TabmlError) as refused:
        check_clean(plain_repo)
    assert str(refused.value) == (
        "the work tree is dirty (params.yaml and 1 more changed); commit or stash before tagging"
    )


def test_a_commit_only_on_a_branch_is_refused(plain_repo: Path) -> None:
    on_main = head(plain_repo)
    run(["git", "switch", "-q", "-c", "feature"], plain_repo)
    (plain_repo / "new.txt").write_text("new\n")
    feature = commit(plain_repo, "feature work")
    check_on_main(on_main, "main", plain_repo)
    with pytest.raises(TabmlError, match=f"commit {feature[:12]} is not on main; merge it"):
        check_on_main(feature, "main", plain_repo)


def test_floors_are_checked_on_the_metrics_and_a_missing_one_is_named() -> None:
    gate = GateParams(floors={"roc_auc": 0.8, "log_loss": 0.5})
    checks = floor_checks(gate, {"roc_auc": 0.85, "log_loss": 0.6})
    assert [check.passed for check in checks] == [True, False]  # log_loss is a ceiling
    with pytest.raises(TabmlError, match=r"has no value for 'log_loss' \(report.gate.floors\)"):
        floor_checks(gate, {"roc_auc": 0.85, "log_loss": "n/a"})


def test_the_gate_reads_the_commits_own_params_and_metrics(plain_repo: Path) -> None:
    params = yaml.safe_load((plain_repo / "params.yaml").read_text())
    params["report"]["gate"]["floors"] = {"roc_auc": 0.9}
    (plain_repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    with pytest.raises(TabmlError, match="reports/metrics.json is not committed at "):
        check_gate(plain_repo, "a" * 40)
    metrics = plain_repo / "reports" / "metrics.json"
    metrics.parent.mkdir()
    metrics.write_text(json.dumps({"roc_auc": 0.95}))
    assert [check.passed for check in check_gate(plain_repo, "a" * 40)] == [True]
    metrics.write_text(json.dumps({"roc_auc": 0.85}))
    with pytest.raises(TabmlError) as refused:
        check_gate(plain_repo, "a" * 40)
    assert str(refused.value).startswith(f"the quality gate fails at {'a' * 12}: roc_auc")
    assert str(refused.value).endswith("in reports/metrics.json")
