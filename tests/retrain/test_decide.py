"""Decisions on plain data: nothing, a pull request or an issue (the real-repo runs are in
test_run_repos.py)."""

from __future__ import annotations

from typing import Any

from tabml.retrain import RETRAIN_ISSUE_MARKER
from tabml.retrain.decide import decide, fit_body

REPO = "acme/demo"


def build(changed: bool = True) -> dict[str, Any]:
    batch = {"path": "data/incoming/2024-01-08.csv", "rows": 10, "appended": 9, "refreshed": 1}
    return {
        "changed": changed,
        "reason": "1 new of 1 batches" if changed else "no batch CSV files in data/incoming/",
        "table": "data/train/t.csv",
        "branch": "retrain/auto",
        "main": "main",
        "mode": "cumulative",
        "rows": 110,
        "base": {"path": "data/raw/t.csv", "rows": 100},
        "batches": [batch],
        "new_batches": [batch["path"]],
    }


def report(passed: bool) -> dict[str, Any]:
    return {
        "passed": passed,
        "headline": "roc_auc",
        "deltas": [{"metric": "roc_auc", "base": 0.9, "pr": 0.91 if passed else 0.7}],
        "checks": [
            {"rule": "roc_auc >= 0.8", "passed": True, "detail": "ok"},
            {"rule": "f1 drop <= 0.01", "passed": passed, "detail": "worse by 0.2"},
        ],
    }


def test_no_new_data_decides_nothing() -> None:
    decision = decide(build(changed=False), None, None, "retrain")
    assert decision.kind == "none" and "no batch CSV files" in decision.reason


def test_a_passing_gate_is_a_pull_request_with_the_report() -> None:
    decision = decide(build(), report(True), "## Model report\n", "retrain", "https://run/1")
    assert (decision.kind, decision.head, decision.base) == ("pull", "retrain/auto", "main")
    assert decision.title == "Retrain on data through 2024-01-08: roc_auc 0.9000 → 0.9100"
    assert decision.body.endswith("## Model report\n")
    assert "| `data/incoming/2024-01-08.csv` | 10 | 9 | 1 | yes |" in decision.body
    assert "[workflow run](https://run/1)" in decision.body


def test_a_failing_gate_is_one_issue_naming_the_failed_rules() -> None:
    decision = decide(build(), report(False), "## Model report\n", "retrain")
    assert decision.kind == "issue" and decision.labels == ["retrain"]
    assert decision.body.startswith(RETRAIN_ISSUE_MARKER)
    assert "- **f1 drop <= 0.01**: worse by 0.2" in decision.body
    assert "roc_auc >= 0.8" not in decision.body.split("## Model report")[0]


def test_bodies_are_cut_to_githubs_limit() -> None:
    assert len(fit_body("x" * 70_000)) == 65_536
    assert fit_body("short") == "short"
