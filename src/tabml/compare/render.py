"""Render a report's data as GitHub-flavoured markdown: tables and native mermaid charts.

It renders `ReportData` (schema.py), never a `Comparison` directly, so the PR run's job summary
and the comment that the trusted job renders from the artifact come from the same code. Free text
goes through `markdown.code`; the only links are the ones built here (the workflow run). No image
leaves the repository: curves are mermaid `xychart-beta` charts that GitHub draws itself, and
the confusion matrices are tables.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from tabml import metrics
from tabml.compare.bootstrap import Delta
from tabml.compare.markdown import (
    COMMENT_BUDGET,
    GITHUB_COMMENT_LIMIT,
    Section,
    code,
    fit,
    run_link,
)
from tabml.compare.render_charts import mermaid_chart, plots_section
from tabml.compare.schema import BaselineData, ReportData
from tabml.platform import actions

if TYPE_CHECKING:
    from tabml.compare.report import Comparison

__all__ = [
    "COMMENT_BUDGET",
    "GITHUB_COMMENT_LIMIT",
    "mermaid_chart",
    "render",
    "render_comment",
    "render_data",
]
Conclusion = Literal["success", "failure"]
_TASKS = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "regression": "regression",
}


def _num(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.4f}"


def _signed(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:+.4f}"


def _verdict(delta: Delta) -> str:
    if not delta.significant:
        return "within noise"
    return "better, significant" if delta.improved else "worse, significant"


def verdict_line(data: ReportData, passed: bool) -> str:
    """The first line: the gate outcome (decided by the caller) and the headline metric."""
    head = data.delta(data.headline)
    gate = "✅ **Quality gate passed**" if passed else "❌ **Quality gate failed**"
    change = (
        f"{_verdict(head)}, 95% CI [{_signed(head.low)}, {_signed(head.high)}]"
        if head.significant
        else "no significant change"
    )
    return (
        f"{gate} · {code(head.metric)} {_num(head.base)} → {_num(head.pr)} "
        f"({_signed(head.delta)}; {change})"
    )


def metrics_section(data: ReportData) -> Section:
    """Base, PR, delta and a bootstrap interval for each metric."""
    rows = []
    for d in (item.as_delta() for item in data.deltas):
        rows.append(
            f"| {code(d.metric)} | {_num(d.base)} | {_num(d.pr)} | {_signed(d.delta)} "
            f"| [{_signed(d.low)}, {_signed(d.high)}] | {_verdict(d)} |"
        )
    note = (
        f"Paired bootstrap over the same {data.pr_rows} test rows."
        if data.paired
        else f"**Unpaired** bootstrap: the test set changed ({data.base_rows} base rows, "
        f"{data.pr_rows} PR rows), so rows cannot be compared one to one."
    )
    if data.bootstrap_rows is not None:
        note += (
            f" Each resample drew from a seeded subsample of {data.bootstrap_rows} rows, its "
            f"interval rescaled to all rows ({code('report.bootstrap.max_rows')})."
        )
    lower = [code(d.metric) for d in data.deltas if metrics.get(d.metric).lower_is_better]
    if lower:
        listed = lower[0] if len(lower) == 1 else f"{', '.join(lower[:-1])} and {lower[-1]}"
        note += f" {listed}: lower is better."
    header = "| metric | base | PR | Δ | 95% CI of Δ | |\n|---|---:|---:|---:|---|---|"
    return Section("Metrics", [header, *rows, f"\n{note}"])


def _describe_baseline(baseline: BaselineData) -> str:
    """What the trivial baseline predicts, in words (one entry per `Strategy`)."""
    if baseline.strategy == "prevalence":
        return (
            f"scores every test row with the training prevalence of the positive class, "
            f"{_num(baseline.score)}, and predicts the majority class, {baseline.label}"
        )
    if baseline.strategy == "most_frequent" and baseline.class_name is not None:
        return (
            f"predicts the most frequent training class, {code(baseline.class_name)}, for every "
            "test row, with the training class shares as its probabilities"
        )
    if baseline.strategy == "mean":
        return f"predicts the training mean, {_num(baseline.mean)}, for every test row"
    raise ValueError(f"no description for baseline strategy {baseline.strategy!r}")


def baseline_section(data: ReportData) -> Section:
    """The PR's model against the trivial baseline on the same rows: what the gate requires."""
    if data.baseline is None:
        return Section(
            "Trivial baseline", ["No baseline: the PR's predictions carry no baseline score."]
        )
    rows = []
    for d in (item.as_delta() for item in data.baseline.deltas):
        rows.append(
            f"| {code(d.metric)} | {_num(d.base)} | {_num(d.pr)} | {_signed(d.delta)} "
            f"| [{_signed(d.low)}, {_signed(d.high)}] | {_verdict(d)} |"
        )
    note = (
        f"The trivial baseline {_describe_baseline(data.baseline)}. Paired bootstrap of the "
        f"PR's model minus the baseline over the same {data.pr_rows} test rows."
    )
    header = "| metric | baseline | PR | PR − baseline | 95% CI | |\n|---|---:|---:|---:|---|---|"
    return Section("Trivial baseline", [note + "\n", header, *rows])


def gate_section(data: ReportData) -> Section:
    """Each gate rule and its outcome."""
    rows = [
        f"| {code(c.rule)} | {'✅' if c.passed else '❌'} | {code(c.detail)} |" for c in data.checks
    ]
    if not rows:
        rows.append("| (no rules configured in `report.gate`) | ✅ | |")
    return Section("Quality gate", ["| rule | | detail |\n|---|---|---|", *rows])


def _value(value: str | None) -> str:
    return "*(absent)*" if value is None else code(value)


def params_section(data: ReportData) -> Section:
    """Only the params keys that changed."""
    if not data.params:
        return Section("Params", ["No parameter changed."])
    rows = [f"| {code(c.key)} | {_value(c.base)} | {_value(c.pr)} |" for c in data.params]
    return Section("Params", ["| key | base | PR |\n|---|---|---|", *rows])


def data_section(data: ReportData) -> Section:
    """Data inputs of the pipeline: changed or not, with rows × columns on each side."""
    header = "| input | changed | base rows × cols | PR rows × cols |\n|---|---|---|---|"
    rows = [
        f"| {code(i.path)} | {'**yes**' if i.changed else 'no'} "
        + "".join(f"| {'n/a' if s is None else f'{s.rows} × {s.columns}'} " for s in (i.base, i.pr))
        + "|"
        for i in data.inputs
    ]
    return Section("Data", [header, *rows])


def slices_section(data: ReportData) -> Section:
    """Per-slice headline metric, with the largest regression called out."""
    metric = data.headline
    items = [(s, s.delta.as_delta()) for s in data.slices if s.delta.metric == metric]
    if not items:
        why = " or no slice has both classes" if data.task == "binary" else ""
        return Section("Slices", [f"No slices (`data.groups` is empty{why})."])
    header = (
        f"| slice | rows | base {code(metric)} | PR | Δ | 95% CI | |\n"
        "|---|---:|---:|---:|---:|---|---|"
    )
    rows = [
        f"| {code(s.group)} = {code(s.value)} | {s.rows} | {_num(d.base)} | {_num(d.pr)} "
        f"| {_signed(d.delta)} | [{_signed(d.low)}, {_signed(d.high)}] | {_verdict(d)} |"
        for s, d in items
    ]
    worst, delta = max(items, key=lambda item: item[1].regression)
    if delta.regression > 0:
        note = (
            f"Largest regression: **{code(worst.group)} = {code(worst.value)}**, {code(metric)} "
            f"{_signed(delta.delta)} ({_verdict(delta)})."
        )
    else:
        note = "No slice got worse."
    return Section("Slices", [header, *rows, "\n" + note])


def pipeline_section(data: ReportData) -> Section:
    """Where the base numbers came from, and whether the PR's committed dvc.lock is current."""
    if data.lock_fresh:
        status = ["✅ The committed `dvc.lock` matches this PR's code, params and data."]
    else:
        status = [
            "⚠️ The committed `dvc.lock` is **stale**: it does not match this PR's code, params "
            "or data. Run `make run` and commit `dvc.lock` and `reports/`.",
            *(f"  - {code(reason)}" for reason in data.lock_reasons[:10]),
        ]
    return Section("Pipeline", [*status, f"\nBase numbers: {code(data.base_source)}."])


def footer(data: ReportData, run_url: str | None) -> str:
    """Run link, commit SHAs and the PR run's tool versions."""
    link = run_link(run_url, "workflow run")
    v = data.versions
    return (
        f"<sub>{link + ' · ' if link else ''}base {code(data.base_sha[:12])} · "
        f"PR {code(data.pr_sha[:12])} · tabml {v.tabml}, dvc {v.dvc}, "
        f"scikit-learn {v.scikit_learn}, pandas {v.pandas}</sub>"
    )


def render_data(
    data: ReportData,
    passed: bool,
    run_url: str | None = None,
    limit: int = COMMENT_BUDGET,
    notes: tuple[str, ...] = (),
) -> str:
    """The report with the verdict `passed`, cut at a section or row to fit `limit` characters."""
    sections = [
        metrics_section(data),
        baseline_section(data),
        gate_section(data),
        params_section(data),
        data_section(data),
        slices_section(data),
        plots_section(data),
        pipeline_section(data),
    ]
    warnings = "".join(f"\n> ⚠️ {code(w)}\n" for w in data.warnings)
    extra = "".join(f"\n{note}\n" for note in notes)
    task = f"\nTask: **{_TASKS[data.task]}** · headline metric {code(data.headline)}.\n"
    head = f"## Model report\n\n{verdict_line(data, passed)}\n{task}{extra}{warnings}"
    tail = "\n" + footer(data, run_url) + "\n"
    link = run_link(run_url, "workflow run")
    where = f"the job summary and the artifact of the {link}" if link else "the run's artifact"
    cut_note = f"\n> Report cut to fit GitHub's comment limit; the full report is in {where}.\n"
    return fit(head, sections, tail, cut_note, limit)


def render_comment(
    data: ReportData, conclusion: Conclusion, run_url: str, limit: int = COMMENT_BUDGET
) -> str:
    """The PR comment: the verdict is the report run's conclusion, never the artifact's claim."""
    passed = conclusion == "success"
    notes: tuple[str, ...] = ()
    if data.passed != passed:
        notes = (
            f"⚠️ The report run concluded **{conclusion}**, but the gate table it uploaded says "
            f"{'every rule passed' if data.passed else 'a rule failed'}: the verdict above is "
            "the run's conclusion.",
        )
    return render_data(data, passed, run_url, limit, notes)


def render(
    comparison: Comparison, full_report_url: str | None = None, limit: int = COMMENT_BUDGET
) -> str:
    """A comparison's report with its own gate verdict (the PR run's summary, retrain bodies)."""
    from tabml.compare.summary import from_comparison  # pandas: not needed by the comment job

    url = actions.run_url() if full_report_url is None else full_report_url
    return render_data(from_comparison(comparison), comparison.passed, url, limit)
