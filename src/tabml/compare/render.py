"""Render a comparison as GitHub-flavoured markdown: tables and native mermaid charts.

No image leaves the repository: curves are mermaid `xychart-beta` charts that GitHub draws
itself, and the confusion matrices are tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import pandas as pd

from tabml.compare.bootstrap import Delta
from tabml.compare.report import Comparison
from tabml.platform import actions

GITHUB_COMMENT_LIMIT = 65_536
_CHART_POINTS = 21
_PALETTE = "#8b949e, #1f6feb"  # grey = base, blue = PR


@dataclass(frozen=True)
class Section:
    """A titled block of the report; truncation drops whole sections from the end."""

    title: str
    body: str


def _num(value: float | None) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:.4f}"


def _signed(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:+.4f}"


def _verdict(delta: Delta) -> str:
    if not delta.significant:
        return "within noise"
    return "better, significant" if delta.improved else "worse, significant"


def verdict_line(comparison: Comparison) -> str:
    """The first line: gate outcome and the headline metric with its delta."""
    head = comparison.delta(comparison.headline)
    gate = "✅ **Quality gate passed**" if comparison.passed else "❌ **Quality gate failed**"
    change = (
        f"{_verdict(head)}, 95% CI [{_signed(head.low)}, {_signed(head.high)}]"
        if head.significant
        else "no significant change"
    )
    return (
        f"{gate} · `{head.metric}` {_num(head.base)} → {_num(head.pr)} "
        f"({_signed(head.delta)}; {change})"
    )


def metrics_section(comparison: Comparison) -> Section:
    """Base, PR, delta and a bootstrap interval for each metric."""
    rows = ["| metric | base | PR | Δ | 95% CI of Δ | |", "|---|---:|---:|---:|---|---|"]
    for d in comparison.deltas:
        rows.append(
            f"| `{d.metric}` | {_num(d.base)} | {_num(d.pr)} | {_signed(d.delta)} "
            f"| [{_signed(d.low)}, {_signed(d.high)}] | {_verdict(d)} |"
        )
    rows_pr = len(comparison.pr.outputs.predictions)
    rows_base = len(comparison.base.outputs.predictions)
    note = (
        f"Paired bootstrap over the same {rows_pr} test rows."
        if comparison.paired
        else f"**Unpaired** bootstrap: the test set changed ({rows_base} base rows, "
        f"{rows_pr} PR rows), so rows cannot be compared one to one."
    )
    return Section(
        "Metrics", "\n".join(rows) + f"\n\n{note} `log_loss` and `brier`: lower is better."
    )


def gate_section(comparison: Comparison) -> Section:
    """Each gate rule and its outcome."""
    rows = ["| rule | | detail |", "|---|---|---|"]
    rows += [f"| {c.rule} | {'✅' if c.passed else '❌'} | {c.detail} |" for c in comparison.checks]
    if len(rows) == 2:
        rows.append("| (no rules configured in `report.gate`) | ✅ | |")
    return Section("Quality gate", "\n".join(rows))


def _value(value: Any) -> str:
    return "*(absent)*" if value is None else f"`{value}`"


def params_section(comparison: Comparison) -> Section:
    """Only the params keys that changed."""
    if not comparison.params:
        return Section("Params", "No parameter changed.")
    rows = ["| key | base | PR |", "|---|---|---|"]
    rows += [f"| `{c.key}` | {_value(c.base)} | {_value(c.pr)} |" for c in comparison.params]
    return Section("Params", "\n".join(rows))


def _shape(stats: Any) -> str:
    return "n/a" if stats is None else f"{stats.rows} × {stats.columns}"


def data_section(comparison: Comparison) -> Section:
    """Data inputs of the pipeline: changed or not, with rows × columns on each side."""
    rows = ["| input | changed | base rows × cols | PR rows × cols |", "|---|---|---|---|"]
    for item in comparison.inputs:
        rows.append(
            f"| `{item.path}` | {'**yes**' if item.changed else 'no'} "
            f"| {_shape(item.base.inputs.get(item.path))} "
            f"| {_shape(item.pr.inputs.get(item.path))} |"
        )
    return Section("Data", "\n".join(rows))


def slices_section(comparison: Comparison) -> Section:
    """Per-slice headline metric, with the largest regression called out."""
    metric = comparison.headline
    items = [s for s in comparison.slices if s.delta.metric == metric]
    if not items:
        return Section("Slices", "No slices (`data.groups` is empty or no slice has both classes).")
    rows = [
        f"| slice | rows | base `{metric}` | PR | Δ | 95% CI | |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for s in items:
        d = s.delta
        rows.append(
            f"| {s.group} = {s.value} | {s.rows} | {_num(d.base)} | {_num(d.pr)} "
            f"| {_signed(d.delta)} | [{_signed(d.low)}, {_signed(d.high)}] | {_verdict(d)} |"
        )
    worst = max(items, key=lambda s: s.delta.regression)
    if worst.delta.regression > 0:
        note = (
            f"Largest regression: **{worst.group} = {worst.value}**, `{metric}` "
            f"{_signed(worst.delta.delta)} ({_verdict(worst.delta)})."
        )
    else:
        note = "No slice got worse."
    return Section("Slices", "\n".join(rows) + "\n\n" + note)


def _series(frame: pd.DataFrame, x: str, y: str) -> tuple[list[float], list[float]]:
    step = max(1, (len(frame) - 1) // (_CHART_POINTS - 1))
    picked = frame.iloc[::step]
    return picked[x].round(2).tolist(), picked[y].round(3).tolist()


def mermaid_chart(
    title: str,
    axes: tuple[str, str],
    columns: tuple[str, str],
    base: pd.DataFrame,
    pr: pd.DataFrame,
) -> str:
    """A mermaid xychart with the base (grey) and PR (blue) curves on a shared x grid."""
    (x_label, y_label), (x, y) = axes, columns
    xs, base_y = _series(base, x, y)
    _, pr_y = _series(pr, x, y)
    return "\n".join(
        [
            "```mermaid",
            '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + _PALETTE + '"}}}}%%',
            "xychart-beta",
            f'    title "{title}"',
            f'    x-axis "{x_label}" [{", ".join(f"{v:g}" for v in xs)}]',
            f'    y-axis "{y_label}" 0 --> 1',
            f"    line [{', '.join(f'{v:g}' for v in base_y)}]",
            f"    line [{', '.join(f'{v:g}' for v in pr_y)}]",
            "```",
        ]
    )


def _confusion(predictions: pd.DataFrame) -> dict[tuple[int, int], int]:
    counts = predictions.groupby(["label", "predicted"]).size()
    return {(a, p): int(counts.get((a, p), 0)) for a in (0, 1) for p in (0, 1)}


def plots_section(comparison: Comparison) -> Section:
    """ROC and precision-recall curves, base against PR, and both confusion matrices."""
    base, pr = comparison.base.outputs, comparison.pr.outputs
    roc = mermaid_chart(
        "ROC", ("false positive rate", "true positive rate"), ("fpr", "tpr"), base.roc, pr.roc
    )
    prc = mermaid_chart(
        "Precision-recall",
        ("recall", "precision"),
        ("recall", "precision"),
        base.precision_recall,
        pr.precision_recall,
    )
    b, p = _confusion(base.predictions), _confusion(pr.predictions)
    table = [
        "| actual ↓ / predicted → | base: 0 | base: 1 | PR: 0 | PR: 1 |",
        "|---|---:|---:|---:|---:|",
        f"| 0 | {b[0, 0]} | {b[0, 1]} | {p[0, 0]} | {p[0, 1]} |",
        f"| 1 | {b[1, 0]} | {b[1, 1]} | {p[1, 0]} | {p[1, 1]} |",
    ]
    legend = "Grey: base · blue: this PR."
    return Section(
        "Curves", f"{legend}\n\n{roc}\n\n{prc}\n\n**Confusion matrix**\n\n" + "\n".join(table)
    )


def pipeline_section(comparison: Comparison) -> Section:
    """Where the base numbers came from, and whether the PR's committed dvc.lock is current."""
    lock = comparison.head_lock
    if lock.fresh:
        status = "✅ The committed `dvc.lock` matches this PR's code, params and data."
    else:
        reasons = "\n".join(f"  - {reason}" for reason in lock.reasons[:10])
        status = (
            "⚠️ The committed `dvc.lock` is **stale**: it does not match this PR's code, params "
            f"or data. Run `make run` and commit `dvc.lock` and `reports/`.\n{reasons}"
        )
    return Section("Pipeline", f"{status}\n\nBase numbers: {comparison.base.source}.")


def footer(comparison: Comparison) -> str:
    """Run link, commit SHAs and tool versions."""
    run = actions.run_url()
    run_link = f"[workflow run]({run}) · " if run else ""
    tools = ", ".join(f"{name} {version(name)}" for name in ("dvc", "scikit-learn", "pandas"))
    return (
        f"<sub>{run_link}base `{comparison.base.sha[:12]}` · PR `{comparison.pr.sha[:12]}` · "
        f"tabml {version('tabml')}, {tools}</sub>"
    )


def render(
    comparison: Comparison, full_report_url: str | None = None, limit: int = GITHUB_COMMENT_LIMIT
) -> str:
    """The report, cut at a section boundary when it would exceed `limit` characters."""
    sections = [
        metrics_section(comparison),
        gate_section(comparison),
        params_section(comparison),
        data_section(comparison),
        slices_section(comparison),
        plots_section(comparison),
        pipeline_section(comparison),
    ]
    head = f"## Model report\n\n{verdict_line(comparison)}\n"
    tail = "\n" + footer(comparison) + "\n"
    where = (
        f"the [full report]({full_report_url})" if full_report_url else "the full report artifact"
    )
    cut_note = f"\n> Report cut to fit GitHub's comment limit; see {where}.\n"
    budget = limit - len(head) - len(tail) - len(cut_note) - 500  # room for CML's watermark
    body, used = [], 0
    for section in sections:
        block = f"\n### {section.title}\n\n{section.body}\n"
        if used + len(block) > budget:
            body.append(cut_note)
            break
        body.append(block)
        used += len(block)
    return head + "".join(body) + tail
