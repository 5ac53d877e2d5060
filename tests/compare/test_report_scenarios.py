"""The PR report on real git repositories: main holds the pipeline, a branch changes
(a) a parameter, (b) the data, or (c) nothing; and a deliberate regression fails the gate."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.compare.scenarios import Outcome, set_params
from tests.support import run

pytestmark = pytest.mark.slow

Scenario = Callable[..., Outcome]


def committed_metrics(repo: Path, rev: str) -> dict[str, float]:
    found: dict[str, float] = json.loads(
        run(["git", "show", f"{rev}:reports/metrics.json"], repo).stdout
    )
    return found


def test_no_op_pr_shows_no_significant_change(scenario: Scenario) -> None:
    outcome = scenario("noop", None, reproduce=False)
    assert outcome.summary["passed"] is True
    assert outcome.summary["paired"] is True
    assert "no significant change" in outcome.markdown.splitlines()[2]
    assert outcome.markdown.splitlines()[2].startswith("✅ **Quality gate passed**")
    for delta in outcome.summary["deltas"]:
        assert delta["delta"] == 0 and delta["low"] == 0 and delta["high"] == 0
        assert delta["significant"] is False
    assert "No parameter changed." in outcome.markdown
    assert "committed outputs at" in outcome.summary["base"]["source"]
    assert outcome.gate_exit == 0


def test_parameter_change_reports_values_deltas_and_intervals(scenario: Scenario) -> None:
    outcome = scenario("param", set_params(**{"train.hist_gradient_boosting.learning_rate": 0.05}))
    base = committed_metrics(outcome.repo, "main")
    pr = committed_metrics(outcome.repo, "HEAD")
    assert base != pr
    for metric in ("roc_auc", "f1", "log_loss"):
        delta = outcome.delta(metric)
        assert delta["base"] == pytest.approx(base[metric], abs=1e-6)
        assert delta["pr"] == pytest.approx(pr[metric], abs=1e-6)
        assert delta["delta"] == pytest.approx(pr[metric] - base[metric], abs=1e-6)
        assert delta["low"] <= delta["delta"] <= delta["high"]
        assert delta["significant"] == (delta["low"] > 0 or delta["high"] < 0)
    assert outcome.summary["params_changed"] == ["train.hist_gradient_boosting.learning_rate"]
    assert "| `train.hist_gradient_boosting.learning_rate` | `0.1` | `0.05` |" in outcome.markdown
    assert outcome.summary["paired"] is True
    assert outcome.manifest["pr_number"] == 7
    assert (
        outcome.manifest["head_sha"]
        == run(["git", "rev-parse", "HEAD"], outcome.repo).stdout.strip()
    )


def drop_rows(repo: Path) -> None:
    raw = repo / "data/raw/adult.csv"
    frame = pd.read_csv(raw, dtype=str, keep_default_na=False)
    frame.iloc[: len(frame) - 5000].to_csv(raw, index=False, lineterminator="\n")


def test_data_change_uses_an_unpaired_bootstrap_and_shows_the_data_diff(scenario: Scenario) -> None:
    outcome = scenario("data", drop_rows)
    assert outcome.summary["paired"] is False
    assert "**Unpaired** bootstrap" in outcome.markdown
    assert outcome.summary["inputs_changed"] == ["data/raw/adult.csv"]
    assert "| `data/raw/adult.csv` | **yes** | 48842 × 15 | 43842 × 15 |" in outcome.markdown
    assert outcome.delta("roc_auc")["low"] < outcome.delta("roc_auc")["high"]


def test_deliberate_regression_fails_the_gate(scenario: Scenario) -> None:
    outcome = scenario(
        "regression",
        set_params(**{"train.model": "logistic_regression", "featurize.categorical": "onehot"}),
    )
    head = outcome.delta("roc_auc")
    assert head["significant"] and head["delta"] < -0.005
    assert outcome.summary["passed"] is False
    assert outcome.markdown.splitlines()[2].startswith("❌ **Quality gate failed**")
    failed = [c["rule"] for c in outcome.summary["checks"] if not c["passed"]]
    assert "roc_auc drop <= 0.005 when significant" in failed
    assert outcome.gate_exit == 1
    assert "the quality gate failed" in outcome.gate_output


def test_stale_lock_is_flagged_and_fails_the_gate(scenario: Scenario) -> None:
    outcome = scenario("stale", set_params(**{"evaluate.threshold": 0.4}), reproduce=False)
    assert outcome.summary["lock_fresh"] is False
    assert "evaluate: params changed (evaluate.threshold)" in outcome.summary["lock_reasons"]
    assert "evaluate: outs changed (reports/metrics.json" in "; ".join(
        outcome.summary["lock_reasons"]
    )
    assert "is **stale**" in outcome.markdown
    assert outcome.gate_exit == 1


def test_stale_base_is_reproduced_in_a_worktree(reproduced_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(reproduced_repo, repo, symlinks=True)
    params = (repo / "params.yaml").read_text().replace("threshold: 0.5", "threshold: 0.45")
    (repo / "params.yaml").write_text(params)
    run(["git", "commit", "-q", "-am", "main: params edited without dvc repro"], repo)
    stale_main = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    run(["git", "checkout", "-q", "-b", "pr"], repo)
    run(["dvc", "repro"], repo)
    run(["git", "commit", "-q", "-am", "pr: reproduced"], repo)
    run(["tabml", "report", "--base", "main", "--out-dir", str(tmp_path / "out")], repo)
    summary = json.loads((tmp_path / "out" / "report.json").read_text())
    assert summary["base"]["sha"] == stale_main
    assert summary["base"]["source"].startswith("reproduced in a git worktree")
    assert "dvc.lock is stale (evaluate: params changed (evaluate))" in summary["base"]["source"]
    # reproduced at the base's own params: threshold 0.45 on both sides, so nothing changed
    assert all(d["delta"] == 0 for d in summary["deltas"])
