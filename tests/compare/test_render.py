"""Rendering: verdict first, native mermaid charts, and cutting at a section boundary."""

from __future__ import annotations

import numpy as np
import pytest

from tabml.compare.bootstrap import bootstrap_deltas
from tabml.compare.gate import Check, evaluate_gate
from tabml.compare.render import mermaid_chart, render, render_data
from tabml.compare.report import Comparison, _sample, against_baseline, params_diff
from tabml.compare.revision import LockStatus
from tabml.compare.schema import ReportData
from tabml.compare.summary import _curve, from_comparison, summary
from tabml.config import GateParams, ReportParams
from tests.compare.reportdata import sample
from tests.compare.tables import params, predictions, revision, write_side


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    """A small binary project's base and a PR whose scores are shrunk by 10%: same ranking."""
    base = predictions("binary")
    pr = base.assign(score=np.clip(base["score"] * 0.9, 0, 1))
    settings = params("binary", metrics=["roc_auc", "log_loss"])
    base_side = revision(write_side(tmp_path_factory.mktemp("base"), base, settings), "b", "0" * 40)
    pr_side = revision(write_side(tmp_path_factory.mktemp("pr"), pr, settings), "PR", "1" * 40)
    deltas = bootstrap_deltas(
        _sample(base_side.outputs.predictions),
        _sample(pr_side.outputs.predictions),
        ["roc_auc", "log_loss"],
        paired=True,
        resamples=200,
    )
    return Comparison(
        base=base_side,
        pr=pr_side,
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


def section(markdown: str, title: str) -> str:
    return markdown.split(f"### {title}\n")[1].split("\n### ", maxsplit=1)[0]


def test_the_report_shows_the_trivial_baseline_and_the_interval_against_it() -> None:
    shown = section(render_data(sample(), passed=True), "Trivial baseline")
    assert "training prevalence of the positive class, 0.2400" in shown
    assert "predicts the majority class, 0" in shown
    assert "| `roc_auc` | 0.5000 | 0.9100 | +0.4100 | [+0.4050, +0.4150] | better, signif" in shown
    assert "| `log_loss` | 0.5500 | 0.3100 | -0.2400 | [-0.2450, -0.2350] | better, signif" in shown
    absent = section(render_data(sample(baseline=None), passed=True), "Trivial baseline")
    assert "No baseline" in absent


def test_a_comparisons_baseline_reaches_the_report_and_the_gate_table(
    comparison: Comparison,
) -> None:
    """From predictions.csv's baseline columns to the bootstrap, the gate and the markdown."""
    rows = comparison.pr.outputs.predictions
    prevalence = round(float(rows["label"].astype(int).mean()), 6)
    rows = rows.assign(baseline_score=prevalence, baseline_predicted=0)
    report = ReportParams(metrics=["roc_auc", "log_loss"], bootstrap={"samples": 200})
    baseline = against_baseline(rows, report)
    assert baseline is not None
    auc = next(d for d in baseline.deltas if d.metric == "roc_auc")
    assert auc.base == pytest.approx(0.5) and auc.low > 0  # a skilled model beats it
    checks = evaluate_gate(
        GateParams(fail_on_stale_lock=False),
        comparison.deltas,
        [],
        LockStatus(True),
        headline="roc_auc",
        baseline=baseline.deltas,
    )
    with_baseline = Comparison(**{**comparison.__dict__, "baseline": baseline, "checks": checks})
    markdown = render(with_baseline)
    assert f"training prevalence of the positive class, {prevalence:.4f}" in markdown
    assert f"| `roc_auc` | 0.5000 | {auc.pr:.4f} | {auc.delta:+.4f} |" in markdown
    gate = section(markdown, "Quality gate")
    assert "| `roc_auc beats the trivial baseline (significant)` | ✅ |" in gate
    recorded = summary(with_baseline)["baseline"]
    assert recorded["score"] == prevalence and recorded["label"] == 0
    assert [d["metric"] for d in recorded["deltas"]] == ["roc_auc", "log_loss"]


def test_a_bounded_bootstrap_says_so_under_the_metrics_table() -> None:
    shown = section(render_data(sample(bootstrap_rows=50_000), passed=True), "Metrics")
    assert "seeded subsample of 50000 rows, its interval rescaled to all rows" in shown
    plain = section(render_data(sample(), passed=True), "Metrics")
    assert "subsample" not in plain
