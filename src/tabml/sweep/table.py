"""Rank sweep results by the headline metric, with a bootstrap interval against a baseline.

The headline (`report.headline`, per `data.task` by default) is ranked in its own direction
(lowest first for a loss such as rmse or log_loss), and each run's predictions are read in the
task's shape (tabml.compare.predictions).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from tabml import metrics as registry
from tabml.compare.bootstrap import Delta, bootstrap_deltas
from tabml.compare.predictions import TEXT_COLUMNS
from tabml.compare.report import _sample, align
from tabml.config import ReportParams
from tabml.errors import TabmlError
from tabml.metrics import Task
from tabml.paths import PREDICTIONS
from tabml.sweep.spec import format_value, short_names

SUCCESS = "success"


@dataclass(frozen=True)
class Result:
    """One run of the sweep (or its baseline): the params it set, metrics and predictions."""

    name: str
    params: dict[str, Any]
    metrics: dict[str, float]
    predictions: pd.DataFrame | None = None
    status: str = SUCCESS
    error: str | None = None
    baseline: bool = False

    def ok(self, headline: str) -> bool:
        """Finished with a headline value to rank by."""
        return self.status == SUCCESS and headline in self.metrics


@dataclass(frozen=True)
class Row:
    """A result with its headline delta against the baseline (None: not computable)."""

    result: Result
    delta: Delta | None = None
    paired: bool = True


def read_predictions(source: Any) -> pd.DataFrame:
    """A run's reports/predictions.csv (a path or a buffer), class names kept as written."""
    return pd.read_csv(source, dtype=TEXT_COLUMNS)


def headline_delta(
    baseline: pd.DataFrame,
    candidate: pd.DataFrame,
    report: ReportParams,
    task: Task = "binary",
    names: tuple[str, str] = ("the baseline", "the run"),
) -> tuple[Delta, bool]:
    """Candidate minus baseline on the headline metric: paired over the same rows if possible."""
    aligned = align(baseline, candidate)
    paired = aligned is not None
    base, pr = aligned if aligned is not None else (baseline, candidate)
    boot = report.bootstrap
    (delta,) = bootstrap_deltas(
        _sample(base, task, f"{PREDICTIONS} ({names[0]})"),
        _sample(pr, task, f"{PREDICTIONS} ({names[1]})"),
        [report.headline],
        paired=paired,
        resamples=boot.samples,
        confidence=boot.confidence,
        seed=boot.seed,
        max_rows=boot.max_rows,
    )
    return delta, paired


def score(
    baseline: Result, results: list[Result], report: ReportParams, task: Task = "binary"
) -> list[Row]:
    """Rows for the baseline and every result, with deltas where both predictions exist; a run
    whose predictions do not fit the task is listed as failed, with the reason."""
    rows = [Row(baseline)]
    for result in results:
        if (
            result.ok(report.headline)
            and result.predictions is not None
            and baseline.predictions is not None
        ):
            names = (baseline.name, result.name)
            try:
                delta, paired = headline_delta(
                    baseline.predictions, result.predictions, report, task, names
                )
            except TabmlError as error:
                rows.append(Row(replace(result, status="failed", error=str(error))))
                continue
            rows.append(Row(result, delta, paired))
        else:
            rows.append(Row(result))
    return rows


def rank(rows: list[Row], headline: str) -> list[Row]:
    """Best headline first (lowest where lower is better); unfinished runs last, in order."""
    metric = registry.get(headline)

    def key(item: tuple[int, Row]) -> tuple[int, float, int]:
        position, row = item
        if not row.result.ok(headline):
            return (1, 0.0, position)
        return (0, metric.best_first(row.result.metrics[headline]), position)

    return [row for _, row in sorted(enumerate(rows), key=key)]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _signed(value: float) -> str:
    return f"{value:+.4f}".replace("-", "−")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict(row: Row) -> str:
    result = row.result
    if result.baseline:
        return "baseline"
    if result.status != SUCCESS:
        return _cell(f"**{result.status}**" + (f": {result.error}" if result.error else ""))
    if row.delta is None:
        return "no predictions to compare"
    if not row.delta.significant:
        return "within noise"
    return "**better**" if row.delta.improved else "**worse**"


def render(
    rows: list[Row],
    keys: list[str],
    report: ReportParams,
    *,
    title: str,
    baseline_note: str,
) -> str:
    """A markdown table, best first: params, headline, its delta and interval, other metrics."""
    headline = report.headline
    ranked = rank(rows, headline)
    others = [m for m in report.metrics if m != headline]
    names = short_names(keys) if keys else {}
    level = f"{report.bootstrap.confidence:.0%}"
    header = [
        "rank",
        "experiment",
        *[f"`{names[k]}`" for k in keys],
        f"**{headline}**",
        f"Δ {headline} [{level} CI]",
        "verdict",
        *others,
    ]
    lines = [
        f"### {title}",
        "",
        f"Ranked by `{headline}` ({registry.get(headline).direction} is better), best first. "
        f"{baseline_note} Δ is the run minus the baseline "
        f"with its {level} bootstrap interval ({report.bootstrap.samples} resamples, paired "
        "over the same test rows; † marks an unpaired interval).",
        "",
        "| " + " | ".join(header) + " |",
        "|"
        + "|".join(
            ["---:", "---", *["---:"] * len(keys), "---:", "---:", "---", *["---:"] * len(others)]
        )
        + "|",
    ]
    position = 0
    for row in ranked:
        result = row.result
        ok = result.ok(headline)
        position += ok
        name = f"**{result.name}**" if result.baseline else result.name
        values = [format_value(result.params[k]) if k in result.params else "—" for k in keys]
        if row.delta is None:
            delta = "—"
        else:
            mark = "" if row.paired else " †"
            interval = f"[{_signed(row.delta.low)}, {_signed(row.delta.high)}]"
            delta = f"{_signed(row.delta.delta)} {interval}{mark}"
        lines.append(
            "| "
            + " | ".join(
                [
                    str(position) if ok else "—",
                    _cell(name),
                    *[f"`{_cell(v)}`" for v in values],
                    _number(result.metrics.get(headline)) if ok else "—",
                    delta,
                    _verdict(row),
                    *[_number(result.metrics.get(m)) if ok else "—" for m in others],
                ]
            )
            + " |"
        )
    failed = [r.result.name for r in ranked if not r.result.ok(headline)]
    if failed:
        lines += ["", f"{len(failed)} of {len(rows) - 1} runs did not finish: {', '.join(failed)}."]
    return "\n".join(lines) + "\n"
