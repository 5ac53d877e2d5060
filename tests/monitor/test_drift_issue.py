"""The one `drift` issue: its body, marker, label and the link that dispatches a retrain."""

from __future__ import annotations

from typing import Any

from tabml.monitor import DRIFT_ISSUE_MARKER
from tabml.monitor.drift_issue import drift_decision

REPO = "acme/demo"


def drift_report(drift: bool) -> dict[str, Any]:
    return {
        "drift": drift,
        "alerts": ["column 'age' drifted"] if drift else [],
        "current": {"source": "data/incoming/2024-01-15.csv"},
    }


def test_the_drift_issue_links_the_retrain_dispatch_page() -> None:
    assert drift_decision(drift_report(False), "", server="s", repo=REPO).kind == "none"
    decision = drift_decision(
        drift_report(True), "**Drift detected**", server="https://github.com/", repo=REPO
    )
    assert decision.labels == ["drift"] and decision.marker == DRIFT_ISSUE_MARKER
    assert decision.title == "Data drift detected in data/incoming/2024-01-15.csv"
    assert f"(https://github.com/{REPO}/actions/workflows/retrain.yml)" in decision.body
    assert "RETRAIN_ON_DRIFT" in decision.body and decision.body.endswith("**Drift detected**")
    dispatched = drift_decision(drift_report(True), "", server="s", repo=REPO, dispatched=True)
    assert "A retrain run was requested" in dispatched.body
