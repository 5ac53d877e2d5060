"""The machine-readable sides of a report: report.json, what the gate and tools read, and the
report data (schema.py), what the job summary and the trusted PR comment are rendered from."""

from __future__ import annotations

import math
from dataclasses import asdict
from importlib.metadata import version
from typing import Any

import pandas as pd

from tabml.compare import charts
from tabml.compare.bootstrap import Delta
from tabml.compare.report import BaselineComparison, Comparison
from tabml.compare.schema import (
    MAX_INPUTS,
    MAX_PARAMS,
    MAX_POINTS,
    MAX_REASONS,
    MAX_ROWS,
    MAX_WARNINGS,
    SCHEMA_VERSION,
    BaselineData,
    CheckData,
    Confusion,
    Curve,
    DeltaData,
    InputData,
    ParamData,
    ReportData,
    Shape,
    SliceData,
    Versions,
    clip,
)

CHART_POINTS = 21


def summary(comparison: Comparison) -> dict[str, Any]:
    """Verdict, checks, deltas and provenance as plain JSON types."""
    return {
        "passed": comparison.passed,
        "task": comparison.task,
        "headline": comparison.headline,
        "paired": comparison.paired,
        "base": {"sha": comparison.base.sha, "source": comparison.base.source},
        "pr": {"sha": comparison.pr.sha},
        "lock_fresh": comparison.head_lock.fresh,
        "lock_reasons": comparison.head_lock.reasons,
        "checks": [asdict(check) for check in comparison.checks],
        "deltas": [
            asdict(delta) | {"significant": delta.significant} for delta in comparison.deltas
        ],
        "slices": [
            {"group": s.group, "value": s.value, "rows": s.rows}
            | asdict(s.delta)
            | {"significant": s.delta.significant}
            for s in comparison.slices
        ],
        "baseline": _baseline_summary(comparison.baseline),
        "notes": list(comparison.notes),
        "params_changed": [change.key for change in comparison.params],
        "inputs_changed": [item.path for item in comparison.inputs if item.changed],
    }


def _baseline_summary(baseline: BaselineComparison | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    described = asdict(baseline)
    described["deltas"] = [asdict(d) | {"significant": d.significant} for d in baseline.deltas]
    return described


def _num(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _unit(values: list[Any]) -> tuple[float, ...]:
    return tuple(min(1.0, max(0.0, float(v))) if math.isfinite(v) else 0.0 for v in values)


def _delta(d: Delta) -> DeltaData:
    return DeltaData(
        metric=d.metric,
        base=_num(d.base),
        pr=_num(d.pr),
        delta=_num(d.delta),
        low=_num(d.low),
        high=_num(d.high),
    )


def _series(frame: pd.DataFrame, x: str, y: str) -> tuple[list[Any], list[Any]]:
    step = max(1, (len(frame) - 1) // (CHART_POINTS - 1))
    picked = frame.iloc[::step].iloc[:MAX_POINTS]
    return picked[x].round(2).tolist(), picked[y].round(3).tolist()


def _curve(base: pd.DataFrame, pr: pd.DataFrame, x: str, y: str) -> Curve:
    xs, base_y = _series(base, x, y)
    _, pr_y = _series(pr, x, y)
    return Curve(x=_unit(xs), base=_unit(base_y), pr=_unit(pr_y))


def _baseline(baseline: BaselineComparison | None) -> BaselineData | None:
    if baseline is None:
        return None
    return BaselineData(
        strategy=baseline.strategy,
        score=baseline.score,
        label=baseline.label,
        class_name=_text(baseline.class_name),
        mean=_num(baseline.mean),
        deltas=tuple(_delta(d) for d in baseline.deltas),
    )


def _confusion(predictions: pd.DataFrame) -> Confusion:
    actual, guessed = (pd.to_numeric(predictions[c]).astype(int) for c in ("label", "predicted"))
    counts = pd.DataFrame({"a": actual, "p": guessed}).groupby(["a", "p"]).size()
    cell = {(a, p): int(counts.get((a, p), 0)) for a in (0, 1) for p in (0, 1)}
    return Confusion(tn=cell[0, 0], fp=cell[0, 1], fn=cell[1, 0], tp=cell[1, 1])


def _positive(comparison: Comparison) -> str | None:
    """The PR's `data.positive_label` (binary only), as text."""
    data = comparison.pr.params.get("data")
    label = data.get("positive_label") if isinstance(data, dict) else None
    return None if comparison.task != "binary" or label is None else clip(label)


def _charts(comparison: Comparison) -> dict[str, Any]:
    """The task's chart fields of the report data."""
    base, pr = comparison.base.outputs, comparison.pr.outputs
    if comparison.task == "multiclass":
        return {"multiclass": charts.multiclass(base.predictions, pr.predictions)}
    if comparison.task == "regression":
        return {"regression": charts.regression(base.predictions, pr.predictions)}
    if base.roc is None or pr.roc is None or base.precision_recall is None:
        raise ValueError("a binary comparison needs both sides' ROC and precision-recall curves")
    assert pr.precision_recall is not None
    return {
        "roc": _curve(base.roc, pr.roc, "fpr", "tpr"),
        "precision_recall": _curve(
            base.precision_recall, pr.precision_recall, "recall", "precision"
        ),
        "confusion_base": _confusion(base.predictions),
        "confusion_pr": _confusion(pr.predictions),
    }


def _bounded(items: list[Any], limit: int, what: str, warnings: list[str]) -> tuple[Any, ...]:
    if len(items) > limit:
        warnings.append(f"{len(items) - limit} of {len(items)} {what} left out of the report data")
    return tuple(items[:limit])


def _shape(stats: Any) -> Shape | None:
    return None if stats is None else Shape(rows=int(stats.rows), columns=int(stats.columns))


def _text(value: Any) -> str | None:
    return None if value is None else clip(value)


def from_comparison(comparison: Comparison, warnings: tuple[str, ...] = ()) -> ReportData:
    """The report data of a comparison: free text clipped to the schema, lists bounded."""
    notes = [clip(w) for w in (*comparison.notes, *warnings)]
    base, pr = comparison.base.outputs, comparison.pr.outputs
    checks = [
        CheckData(rule=clip(c.rule), passed=c.passed, detail=clip(c.detail))
        for c in comparison.checks
    ]
    params = [
        ParamData(key=clip(c.key), base=_text(c.base), pr=_text(c.pr)) for c in comparison.params
    ]
    inputs = [
        InputData(
            path=clip(i.path),
            changed=i.changed,
            base=_shape(i.base.inputs.get(i.path)),
            pr=_shape(i.pr.inputs.get(i.path)),
        )
        for i in comparison.inputs
    ]
    slices = [
        SliceData(group=clip(s.group), value=clip(s.value), rows=int(s.rows), delta=_delta(s.delta))
        for s in comparison.slices
    ]
    return ReportData(
        schema_version=SCHEMA_VERSION,
        headline=comparison.headline,
        paired=comparison.paired,
        base_sha=comparison.base.sha,
        pr_sha=comparison.pr.sha,
        base_source=clip(comparison.base.source.replace("`", "")),
        base_rows=len(base.predictions),
        pr_rows=len(pr.predictions),
        deltas=tuple(_delta(d) for d in comparison.deltas),
        checks=_bounded(checks, MAX_ROWS + 100, "gate rules", notes),
        params=_bounded(params, MAX_PARAMS, "changed params", notes),
        inputs=_bounded(inputs, MAX_INPUTS, "data inputs", notes),
        slices=_bounded(slices, MAX_ROWS, "slices", notes),
        task=comparison.task,
        positive_label=_positive(comparison),
        **_charts(comparison),
        lock_fresh=comparison.head_lock.fresh,
        lock_reasons=tuple(clip(r) for r in comparison.head_lock.reasons[:MAX_REASONS]),
        warnings=tuple(notes[:MAX_WARNINGS]),
        baseline=_baseline(comparison.baseline),
        bootstrap_rows=comparison.bootstrap_rows,
        versions=Versions(
            tabml=version("tabml"),
            dvc=version("dvc"),
            scikit_learn=version("scikit-learn"),
            pandas=version("pandas"),
        ),
    )
