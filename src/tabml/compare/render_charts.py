"""The report's charts section, per task: native mermaid charts and tables, all inert.

Binary: ROC and precision-recall curves and the 2 x 2 confusion matrices. Multiclass: recall per
class (bars) and the confusion matrices by class name. Regression: the absolute-error
distribution (bars) and predicted against actual per range of the actual value. Chart text is
either fixed here or numbers; a class name enters a chart only when it is a plain word (else
"class N"), and tables show it through `markdown.code`.
"""

from __future__ import annotations

import math
import re

from tabml.compare.markdown import Section, code
from tabml.compare.schema import Confusion, Curve, ReportData
from tabml.compare.schema_tasks import Multiclass, Regression

_PALETTE = "#8b949e, #1f6feb"  # grey = base, blue = PR
_PLAIN = re.compile(r"[A-Za-z0-9_.+-]{1,24}")
LEGEND = "Grey: base · blue: this PR."
MAX_MATRIX = 15  # classes beyond which the confusion matrix is left out (recall stays)


def _values(series: tuple[float, ...]) -> str:
    return ", ".join(f"{v:g}" for v in series)


def _chart(title: str, x_axis: str, y_label: str, series: list[str]) -> str:
    return "\n".join(
        [
            "```mermaid",
            '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + _PALETTE + '"}}}}%%',
            "xychart-beta",
            f'    title "{title}"',
            f"    x-axis {x_axis}",
            f'    y-axis "{y_label}" 0 --> 1',
            *(f"    {line}" for line in series),
            "```",
        ]
    )


def mermaid_chart(title: str, axes: tuple[str, str], curve: Curve) -> str:
    """A mermaid xychart with the base (grey) and PR (blue) curves on the base's x grid."""
    x_label, y_label = axes
    lines = [f"line [{_values(curve.base)}]", f"line [{_values(curve.pr)}]"]
    return _chart(title, f'"{x_label}" [{_values(curve.x)}]', y_label, lines)


def bar_chart(
    title: str, axes: tuple[str, str], names: list[str], bars: tuple[list[float], ...]
) -> str:
    """Base as bars (grey) and PR as a line (blue) over named categories, values in [0, 1]."""
    x_label, y_label = axes
    categories = ", ".join(f'"{name}"' for name in names)
    base, pr = bars
    lines = [f"bar [{_values(tuple(base))}]", f"line [{_values(tuple(pr))}]"]
    return _chart(title, f'"{x_label}" [{categories}]', y_label, lines)


def chart_name(name: str, index: int) -> str:
    """A class name as a chart category: itself when a plain word, else its position."""
    return name if _PLAIN.fullmatch(name) else f"class {index + 1}"


def _num(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.4f}"


def _binary(data: ReportData) -> list[str]:
    assert data.roc and data.precision_recall and data.confusion_base and data.confusion_pr
    roc = mermaid_chart("ROC", ("false positive rate", "true positive rate"), data.roc)
    prc = mermaid_chart("Precision-recall", ("recall", "precision"), data.precision_recall)
    b, p = data.confusion_base, data.confusion_pr

    def row(actual: str, base: Confusion, pr: Confusion) -> str:
        cells = (
            (base.tn, base.fp, pr.tn, pr.fp) if actual == "0" else (base.fn, base.tp, pr.fn, pr.tp)
        )
        return f"| {actual} | " + " | ".join(map(str, cells)) + " |"

    table = (
        "| actual ↓ / predicted → | base: 0 | base: 1 | PR: 0 | PR: 1 |\n"
        f"|---|---:|---:|---:|---:|\n{row('0', b, p)}\n{row('1', b, p)}"
    )
    named = ""
    if data.positive_label is not None:
        named = f"\n\n1 is {code(data.positive_label)} (`data.positive_label`), 0 any other value."
    return [f"{LEGEND}\n\n{roc}\n\n{prc}\n\n**Confusion matrix**\n\n{table}{named}"]


def _multiclass(charts: Multiclass) -> list[str]:
    names = [chart_name(name, i) for i, name in enumerate(charts.classes)]
    bars = ([r.base or 0.0 for r in charts.recall], [r.pr or 0.0 for r in charts.recall])
    chart = bar_chart("Recall per class", ("class", "recall"), names, bars)
    header = "| class | PR rows | base recall | PR recall |\n|---|---:|---:|---:|"
    rows = [f"| {code(r.name)} | {r.rows} | {_num(r.base)} | {_num(r.pr)} |" for r in charts.recall]
    chunks = [f"{LEGEND}\n\n{chart}", "\n**Recall per class**\n\n" + header, *rows]
    if len(charts.classes) > MAX_MATRIX:
        return [*chunks, f"\nConfusion matrix left out: {len(charts.classes)} classes."]
    head = "| actual ↓ / predicted → | " + " | ".join(code(n) for n in charts.classes) + " |"
    rule = "|---|" + "---:|" * len(charts.classes)
    cells = [
        f"| {code(name)} | "
        + " | ".join(f"{b} / {p}" for b, p in zip(base, pr, strict=True))
        + " |"
        for name, base, pr in zip(
            charts.classes, charts.confusion_base, charts.confusion_pr, strict=True
        )
    ]
    intro = "\n**Confusion matrix** (rows: actual class; each cell: base / PR)\n\n"
    return [*chunks, intro + head + "\n" + rule, *cells]


def _bin(edges: tuple[float, ...], i: int) -> str:
    return f"{edges[i]:.3g}+" if i == len(edges) - 2 else f"{edges[i]:.3g}-{edges[i + 1]:.3g}"


def _regression(charts: Regression) -> list[str]:
    names = [_bin(charts.edges, i) for i in range(len(charts.edges) - 1)]
    bars = (list(charts.base), list(charts.pr))
    chart = bar_chart("Absolute error", ("absolute error", "share of rows"), names, bars)
    bias = (
        f"Mean error (predicted − actual): base {_num(charts.mean_error_base)}, "
        f"PR {_num(charts.mean_error_pr)}."
    )
    header = (
        "| actual from | to | PR rows | mean actual | base: mean predicted | PR: mean predicted |"
        "\n|---:|---:|---:|---:|---:|---:|"
    )
    rows = [
        f"| {_num(b.low)} | {_num(b.high)} | {b.rows} | {_num(b.actual)} | {_num(b.base)} "
        f"| {_num(b.pr)} |"
        for b in charts.bins
    ]
    intro = "\n**Predicted against actual** (ranges: deciles of the PR's actual values)\n\n"
    return [f"{LEGEND}\n\n{chart}\n\n{bias}", intro + header, *rows]


def plots_section(data: ReportData) -> Section:
    """The task's charts and tables, base against PR."""
    if data.multiclass is not None:
        return Section("Charts", _multiclass(data.multiclass))
    if data.regression is not None:
        return Section("Charts", _regression(data.regression))
    return Section("Curves", _binary(data))
