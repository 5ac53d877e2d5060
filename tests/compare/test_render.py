"""Rendering: verdict first, native mermaid charts, and cutting at a section boundary."""

from __future__ import annotations

import numpy as np
import pytest

from tabml.compare.bootstrap import bootstrap_deltas
from tabml.compare.gate import Check
from tabml.compare.render import mermaid_chart, render, render_data
from tabml.compare.report import Comparison, _sample, params_diff
from tabml.compare.revision import LockStatus, load_revision
from tabml.compare.schema import ReportData
from tabml.compare.summary import _curve, from_comparison
from tests.support import ROOT


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    side = load_revision(ROOT, "base", "0" * 40, "committed outputs at `0000000`", LockStatus(True))
    pr_predictions = side.outputs.predictions.assign(
        score=np.clip(side.outputs.predictions["score"] * 0.9, 0, 1)
    )
    pr_outputs = type(side.outputs)(**{**side.outputs.__dict__, "predictions": pr_predictions})
    pr = type(side)(**{**side.__dict__, "label": "PR", "sha": "1" * 40, "outputs": pr_outputs})
    deltas = bootstrap_deltas(
        _sample(side.outputs.predictions),
        _sample(pr_predictions),
        ["roc_auc", "log_loss"],
        paired=True,
        resamples=200,
    )
    return Comparison(
        base=side,
        pr=pr,
        paired=True,
        deltas=deltas,
        slices=[],
        params=params_diff({"a": {"b": 1}}, {"a": {"b": 2}}),
        inputs=[],
        head_lock=LockStatus(True),
        checks=[Check("roc_auc >= 0.9", True, "ok")],
        headline="roc_auc",
    )


def test_verdict_line_comes_first(comparison: Comparison) -> None:
    lines = render(comparison).splitlines()
    assert lines[0] == "## Model report"
    assert lines[2].startswith("✅ **Quality gate passed** · `roc_auc` ")


def test_curves_are_mermaid_with_base_and_pr_lines(comparison: Comparison) -> None:
    markdown = render(comparison)
    assert markdown.count("```mermaid") == 2
    assert markdown.count("xychart-beta") == 2
    roc = markdown.split('title "ROC"')[1].split("```")[0]
    assert roc.count("    line [") == 2
    assert "| `a.b` | `1` | `2` |" in markdown


def test_chart_shares_the_x_grid() -> None:
    import pandas as pd

    frame = pd.DataFrame({"fpr": np.linspace(0, 1, 101), "tpr": np.linspace(0, 1, 101) ** 0.5})
    chart = mermaid_chart("ROC", ("x", "y"), _curve(frame, frame, "fpr", "tpr"))
    axis = chart.split("x-axis")[1].split("[")[1].split("]")[0].split(", ")
    assert len(axis) == 21 and axis[0] == "0" and axis[-1] == "1"


def test_long_reports_are_cut_at_a_section_boundary(comparison: Comparison) -> None:
    full = render(comparison)
    limit = len(full) - 300
    cut = render(comparison, full_report_url="https://example.test/o/r/actions/runs/1", limit=limit)
    assert len(cut) <= limit
    assert "Report cut to fit GitHub's comment limit; the full report is in the job summary " in cut
    assert "[workflow run](https://example.test/o/r/actions/runs/1)" in cut
    assert "### Metrics" in cut and "### Pipeline" not in cut
    assert cut.rstrip().endswith("</sub>")
    sections = [line for line in full.splitlines() if line.startswith("### ")]
    kept = [line for line in cut.splitlines() if line.startswith("### ")]
    assert kept == sections[: len(kept)]


def test_the_pr_runs_render_is_its_report_data_rendered(comparison: Comparison) -> None:
    """One renderer: the job summary is the report data rendered, as the comment job does."""
    data = from_comparison(comparison)
    again = ReportData.model_validate_json(data.model_dump_json())
    assert again == data
    assert render(comparison, "") == render_data(again, passed=comparison.passed)
