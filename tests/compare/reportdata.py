"""Report data built directly (no pipeline), hostile strings, and a check for active markdown.

``active_content`` parses markdown as CommonMark with GFM tables (markdown-it-py) and lists
everything GitHub would make live: links and images other than the allowed ones, raw HTML other
than ``<sub>``, mentions, bare URLs and issue references in plain text, and code fences other
than this project's mermaid charts. Shared by tests/compare and tests/workflows.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tabml.compare.schema import (
    ActualBin,
    BaselineData,
    CheckData,
    ClassRecall,
    Confusion,
    Curve,
    DeltaData,
    InputData,
    Multiclass,
    ParamData,
    Regression,
    ReportData,
    Shape,
    SliceData,
    Versions,
)

# What a fork would like the bot to say: a team ping, an HTML payload, a phishing link, links
# and images to local files, a bare URL, a table breaker and a breaker of `...` code spans.
HOSTILE = (
    "@acme/maintainers please merge",
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example/login)",
    "![secret](/home/runner/work/tabml/.git/config)",
    "[report](../../reports/pr/report.md)",
    "see https://evil.example and www.evil.example",
    "x|[a](https://evil.example)|y",
    "x` [b](https://evil.example) `y",
    "<script>alert(1)</script> fixes #1",
)
_MD = MarkdownIt("commonmark").enable("table")
_MERMAID = [
    re.compile(p)
    for p in (
        r'%%\{init: \{"themeVariables": \{"xyChart": '
        r'\{"plotColorPalette": "[#0-9a-f, ]+"\}\}\}\}%%',
        r"xychart-beta",
        r'    title "(ROC|Precision-recall|Recall per class|Absolute error)"',
        r'    x-axis "[a-z ]+" \[[0-9., e+-]*\]',
        r'    x-axis "[a-z ]+" \[("[A-Za-z0-9_.+ -]{1,24}"(, )?)*\]',  # categories: plain words
        r'    y-axis "[a-z ]+" 0 --> 1',
        r"    (line|bar) \[[0-9., e+-]*\]",
    )
]
_LIVE_TEXT = re.compile(r"@[A-Za-z0-9]|https?:|www\.|#\d|<")


def delta(metric: str = "roc_auc", base: float = 0.90, change: float = 0.01) -> DeltaData:
    """A significant change by ``change`` (interval around it excludes zero when large)."""
    return DeltaData(
        metric=metric,
        base=base,
        pr=base + change,
        delta=change,
        low=change - 0.005,
        high=change + 0.005,
    )


def baseline(score: float = 0.24, label: int = 0) -> BaselineData:
    """The trivial baseline of ``sample``: the model beats it by 0.41 ROC AUC, significantly."""
    return BaselineData(
        strategy="prevalence",
        score=score,
        label=label,
        deltas=(delta(base=0.5, change=0.41), delta("log_loss", 0.55, -0.24)),
    )


def sample(**changes: Any) -> ReportData:
    """A small valid report: two metrics, one rule, one param, one input, one slice and the
    trivial baseline."""
    curve = Curve(x=(0.0, 0.5, 1.0), base=(0.0, 0.8, 1.0), pr=(0.0, 0.85, 1.0))
    fields: dict[str, Any] = {
        "schema_version": 1,
        "headline": "roc_auc",
        "paired": True,
        "base_sha": "b" * 40,
        "pr_sha": "a" * 40,
        "base_source": "committed outputs at bbbbbbb",
        "base_rows": 1000,
        "pr_rows": 1000,
        "deltas": (delta(), delta("log_loss", 0.30, -0.01)),
        "checks": (CheckData(rule="roc_auc >= 0.85", passed=True, detail="roc_auc is 0.9100"),),
        "params": (ParamData(key="train.learning_rate", base="0.1", pr="0.05"),),
        "inputs": (
            InputData(
                path="data/table.csv",
                changed=False,
                base=Shape(rows=1000, columns=5),
                pr=Shape(rows=1000, columns=5),
            ),
        ),
        "slices": (SliceData(group="region", value="north", rows=300, delta=delta()),),
        "roc": curve,
        "precision_recall": curve,
        "confusion_base": Confusion(tn=500, fp=50, fn=60, tp=390),
        "confusion_pr": Confusion(tn=505, fp=45, fn=58, tp=392),
        "lock_fresh": True,
        "lock_reasons": (),
        "baseline": baseline(),
        "versions": Versions(tabml="0.1.0", dvc="3.50.0", scikit_learn="1.5.0", pandas="2.2.0"),
    }
    return ReportData(**(fields | changes))


BINARY_ONLY = {"roc": None, "precision_recall": None, "confusion_base": None, "confusion_pr": None}


def multiclass(names: tuple[str, ...] = ("bird", "cat", "dog"), **changes: Any) -> ReportData:
    """A valid multiclass report: recall and confusion per class, the most frequent class."""
    size = len(names)
    matrix = tuple(tuple(9 if a == p else 1 for p in range(size)) for a in range(size))
    charts = Multiclass(
        classes=names,
        recall=tuple(ClassRecall(name=n, rows=11, base=0.8, pr=9 / 11) for n in names),
        confusion_base=matrix,
        confusion_pr=matrix,
    )
    fields: dict[str, Any] = {
        "task": "multiclass",
        "headline": "f1_macro",
        "deltas": (delta("f1_macro", 0.7), delta("log_loss", 0.8, -0.1)),
        "slices": (SliceData(group="region", value="north", rows=300, delta=delta("f1_macro")),),
        "multiclass": charts,
        "baseline": BaselineData(
            strategy="most_frequent", class_name=names[0], deltas=(delta("f1_macro", 0.2, 0.5),)
        ),
    }
    return sample(**(BINARY_ONLY | fields | changes))


def regression(**changes: Any) -> ReportData:
    """A valid regression report in a large unit (prices): the training mean as baseline."""
    charts = Regression(
        edges=(0.0, 5000.0, 10000.0, 15000.0),
        base=(0.5, 0.3, 0.2),
        pr=(0.6, 0.3, 0.1),
        bins=(
            ActualBin(low=1e4, high=5e4, rows=500, actual=3e4, base=3.2e4, pr=3.1e4),
            ActualBin(low=5e4, high=9e4, rows=500, actual=7e4, base=6.5e4, pr=6.8e4),
        ),
        mean_error_base=-1200.5,
        mean_error_pr=300.25,
    )
    fields: dict[str, Any] = {
        "task": "regression",
        "headline": "rmse",
        "deltas": (delta("rmse", 9000.0, -500.0), delta("r2", 0.6, 0.05)),
        "slices": (SliceData(group="region", value="north", rows=300, delta=delta("rmse", 8e3)),),
        "regression": charts,
        "baseline": BaselineData(
            strategy="mean", mean=51234.5, deltas=(delta("rmse", 15000.0, -6000.0),)
        ),
    }
    return sample(**(BINARY_ONLY | fields | changes))


def hostile(**changes: Any) -> ReportData:
    """A report whose every free-text field holds each of ``HOSTILE`` somewhere."""
    rows = [
        SliceData(group=text, value=text, rows=200, delta=delta(change=-0.05)) for text in HOSTILE
    ]
    return sample(
        base_source=HOSTILE[0],
        checks=tuple(CheckData(rule=t, passed=True, detail=t) for t in HOSTILE),
        params=tuple(ParamData(key=t, base=t, pr=t) for t in HOSTILE),
        inputs=tuple(InputData(path=t, changed=True, base=None, pr=None) for t in HOSTILE),
        slices=tuple(rows),
        lock_fresh=False,
        lock_reasons=HOSTILE,
        warnings=HOSTILE,
        **changes,
    )


def _walk(tokens: list[Token], allowed: list[re.Pattern[str]], found: list[str]) -> None:
    for token in tokens:
        if token.type in ("link_open", "image"):
            target = str(token.attrGet("href" if token.type == "link_open" else "src"))
            if not any(p.fullmatch(target) for p in allowed):
                found.append(f"{token.type} {target}")
        elif token.type in ("html_inline", "html_block"):
            if token.content.strip() not in ("<sub>", "</sub>"):
                found.append(f"html {token.content.strip()}")
        elif token.type == "text" and _LIVE_TEXT.search(token.content):
            found.append(f"text {token.content}")
        elif token.type in ("fence", "code_block"):
            lines = token.content.rstrip("\n").split("\n")
            if token.info != "mermaid" or not all(
                any(p.fullmatch(line) for p in _MERMAID) for line in lines
            ):
                found.append(f"code block {token.info} {token.content[:80]}")
        if token.children:
            _walk(token.children, allowed, found)


def active_content(markdown: str, allowed: list[str] | None = None) -> list[str]:
    """Everything live in ``markdown`` except links/images whose target fullmatches ``allowed``."""
    found: list[str] = []
    _walk(_MD.parse(markdown), [re.compile(p) for p in allowed or []], found)
    return found
