"""A release built by reproducing the pipeline must reproduce the committed metrics: only
rounding may differ (`tabml release check-metrics`)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tabml.cli import app
from tabml.release.reproduce import metric_differences
from tests.release.release_repos import commit

runner = CliRunner()


def test_metric_differences_allow_only_rounding() -> None:
    committed = {"roc_auc": 0.928836, "n_test": 9769, "threshold": 0.5}
    assert metric_differences(committed, {**committed, "roc_auc": 0.928837}) == []
    assert metric_differences(committed, {**committed, "roc_auc": 0.9289}) == [
        "roc_auc 0.9289 vs 0.928836 committed"
    ]
    assert metric_differences(committed, {"roc_auc": 0.928836, "n_test": 9769}) == [
        "threshold None vs 0.5 committed"
    ]


def test_check_metrics_compares_the_workspace_with_the_commit(plain_repo: Path) -> None:
    metrics = plain_repo / "reports" / "metrics.json"
    metrics.parent.mkdir()
    metrics.write_text(json.dumps({"roc_auc": 0.93, "f1": 0.72}))
    commit(plain_repo, "metrics")
    assert runner.invoke(app, ["release", "check-metrics"]).exit_code == 0

    metrics.write_text(json.dumps({"roc_auc": 0.91, "f1": 0.72}))
    result = runner.invoke(app, ["release", "check-metrics"])
    assert result.exit_code == 1
    assert (
        "reports/metrics.json reproduced here differs from the one committed at HEAD: "
        "roc_auc 0.91 vs 0.93 committed" in " ".join(result.output.split())
    )
