"""The drift report as markdown: the body of the `drift` GitHub issue.

A verdict line first, then the alerts, the columns by severity, new categories, data quality,
prediction drift and, when the current data has labels, performance.
"""

from __future__ import annotations

from typing import Any

from tabml.monitor.drift import DRIFTED, Json, format_p, severity_order

TESTS = {"ks": "KS", "chi2": "chi²"}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.4g}"


def _status(flag: bool) -> str:
    return "**drift**" if flag else "ok"


def _output(report: Json) -> str:
    """What the model's output is called: scores, predicted values or predicted class shares."""
    return DRIFTED[report.get("prediction", {}).get("output", "score")]


def _reference_output(report: Json) -> str:
    """What the reference outputs are called in the sources line."""
    output = report.get("prediction", {}).get("output", "score")
    return {"score": "scores", "prediction": "predicted values", "class": "predicted classes"}[
        output
    ]


def verdict(report: Json, bold: bool = True) -> str:
    """One line: drift or not, and what drifted (bold markdown, or plain for a terminal)."""
    counts = report["counts"]
    mark = "**" if bold else ""
    if not report["drift"]:
        return (
            f"{mark}No drift{mark}: {counts['columns']} columns, the {_output(report)} and data "
            "quality are within the thresholds."
        )
    parts = []
    if counts["contract_violations"]:
        parts.append("contract violation")
    if counts["drifted_columns"]:
        parts.append(f"{counts['drifted_columns']} of {counts['columns']} columns drifted")
    if counts["new_category_columns"]:
        parts.append(f"new categories in {counts['new_category_columns']} columns")
    if counts["missing_rate_changes"]:
        parts.append(f"missing values changed in {counts['missing_rate_changes']} columns")
    if counts["prediction_drift"]:
        parts.append(f"{_output(report)} drifted")
    if counts["performance_drops"]:
        parts.append(f"{counts['performance_drops']} metrics fell")
    alerts = counts["alerts"]
    plural = "s" * (alerts != 1)
    return f"{mark}Drift detected{mark}: {', '.join(parts)} ({alerts} alert{plural})."


def _sources(report: Json) -> str:
    current, reference = report["current"], report["reference"]
    labelled = f", {current['labelled_rows']:,} labelled" if current["labelled_rows"] else ""
    return (
        f"Current: `{current['source']}` ({current['kind']}, {current['rows']:,} rows{labelled}). "
        f"Reference: `{reference['source']}` ({reference['rows']:,} rows) and the "
        f"{_reference_output(report)} in "
        f"`{reference['scores_source']}` ({reference['score_rows']:,} rows).{_overlap(report)}"
    )


def _overlap(report: Json) -> str:
    overlap = report["overlap"]
    found = [
        f"{overlap[key]:,} {what}"
        for key, what in (
            ("same_id_rows", "with a training row's id"),
            ("identical_rows", "identical"),
        )
        if overlap[key] is not None
    ]
    return f" Current rows that are training rows: {', '.join(found)}." if found else ""


def _change(row: Json) -> str:
    if row["kind"] == "numeric":
        return f"mean {_num(row['reference_mean'])} → {_num(row['current_mean'])}"
    top = row["largest_change"]
    return f"`{top['category']}` {_pct(top['reference_share'])} → {_pct(top['current_share'])}"


def _features(report: Json) -> list[str]:
    lines = [
        "### Features",
        "",
        "| column | type | PSI | test | statistic | p-value | largest change | status |",
        "|---|---|--:|---|--:|--:|---|---|",
    ]
    for name, row in severity_order(report["features"]):
        lines.append(
            f"| `{name}` | {row['kind']} | {row['psi']:.3f} | {TESTS[row['test']]} "
            f"| {_num(row['statistic'])} | {format_p(row['p_value'])} | {_change(row)} "
            f"| {_status(row['drift'])} |"
        )
    if not report["features"]:
        lines.append("| - | | | | | | | no column has values to compare |")
    return lines


def _new_categories(report: Json) -> list[str]:
    rows = [
        (name, category, count, row["new_category_flag"])
        for name, row in report["features"].items()
        for category, count in sorted(row["new_categories"].items())
    ]
    lines = ["### New categories", ""]
    if not rows:
        return [*lines, "None: every category was seen in the reference."]
    lines += ["| column | category | rows | status |", "|---|---|--:|---|"]
    for name, category, count, flag in rows:
        lines.append(f"| `{name}` | `{category}` | {count:,} | {_status(flag)} |")
    return lines


def _data_quality(report: Json) -> list[str]:
    quality = report["data_quality"]
    lines = ["### Data quality", ""]
    violation = quality["contract_violation"]
    lines.append(f"Contract: **violated**: {violation}" if violation else "Contract: ok.")
    if quality["absent_columns"]:
        absent = ", ".join(f"`{name}`" for name in quality["absent_columns"])
        lines += ["", f"Columns of the reference absent from the current data: {absent}."]
    shown = {
        name: row
        for name, row in quality["missing_rates"].items()
        if row["flag"] or row["reference"] or row["current"]
    }
    lines.append("")
    if not shown:
        return [*lines, "No missing values in either the reference or the current data."]
    lines += ["| column | missing (reference) | missing (current) | status |", "|---|--:|--:|---|"]
    for name, row in shown.items():
        lines.append(
            f"| `{name}` | {_pct(row['reference'])} | {_pct(row['current'])} "
            f"| {_status(row['flag'])} |"
        )
    return lines


def _prediction(report: Json) -> list[str]:
    prediction = report["prediction"]
    lines = ["### Prediction drift", ""]
    if not prediction["computed"]:
        return [*lines, f"Not computed: {prediction['reason']}."]
    threshold = report["thresholds"]
    if prediction["output"] == "class":
        lines += [
            f"Predicted classes from the {prediction['source']}: PSI {prediction['psi']:.3f}, "
            f"chi² {_num(prediction['statistic'])} (p-value {format_p(prediction['p_value'])}): "
            f"{_status(prediction['drift'])} (thresholds: PSI {threshold['score_psi_threshold']}, "
            f"p-value {threshold['chi2_pvalue']}).",
            "",
            "| predicted class | reference | current |",
            "|---|--:|--:|",
        ]
        for name, share in prediction["shares"].items():
            lines.append(f"| `{name}` | {_pct(share['reference'])} | {_pct(share['current'])} |")
        return lines
    what = "Scores" if prediction["output"] == "score" else "Predicted values"
    lines += [
        f"{what} from the {prediction['source']}: PSI {prediction['psi']:.3f}, "
        f"KS {_num(prediction['ks_statistic'])} (p-value {format_p(prediction['ks_pvalue'])}): "
        f"{_status(prediction['drift'])} (thresholds: PSI {threshold['score_psi_threshold']}, "
        f"p-value {threshold['ks_pvalue']}).",
        "",
        "| | reference | current |",
        "|---|--:|--:|",
        f"| mean {prediction['output']} | {_num(prediction['reference_mean'])} "
        f"| {_num(prediction['current_mean'])} |",
    ]
    if "reference_positive_rate" in prediction:
        lines.append(
            f"| predicted positive | {_pct(prediction['reference_positive_rate'])} "
            f"| {_pct(prediction['current_positive_rate'])} |"
        )
    return lines


def _performance(report: Json) -> list[str]:
    perf = report["performance"]
    lines = ["### Performance", ""]
    if not perf["computed"]:
        return [*lines, f"Not computed: {perf['reason']}."]
    lines += [
        f"On {perf['labelled_rows']:,} labelled rows, against "
        f"`{report['reference']['metrics_source']}`:",
        "",
        "| metric | reference | current | drop | allowed drop | status |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for name, row in perf["metrics"].items():
        lines.append(
            f"| {name} | {_num(row['reference'])} | {_num(row['current'])} | {_num(row['drop'])} "
            f"| {_num(row['max_drop'])} | {_status(row['flag'])} |"
        )
    return lines


def render_markdown(report: Json) -> str:
    """The whole report as GitHub-flavoured markdown."""
    lines = [verdict(report), "", _sources(report)]
    if report["warnings"]:
        lines += ["", *(f"> **Warning**: {warning}." for warning in report["warnings"])]
    if report["alerts"]:
        lines += ["", *(f"- {alert}" for alert in report["alerts"])]
    for section in (_features, _new_categories, _data_quality, _prediction, _performance):
        lines += ["", *section(report)]
    thresholds = report["thresholds"]
    lines += [
        "",
        f"<sub>Thresholds from `params.yaml` (`monitor`): a column drifts at PSI >= "
        f"{thresholds['psi_threshold']} with KS p < {thresholds['ks_pvalue']} (numbers) or chi² "
        f"p < {thresholds['chi2_pvalue']} (categories); new categories on >= "
        f"{thresholds['new_category_rate']:.0%} of rows; missing-value rates moving by more than "
        f"{thresholds['missing_rate_change'] * 100:g} points; the model's output drifts at PSI >= "
        f"{thresholds['score_psi_threshold']} with KS p < {thresholds['ks_pvalue']} (scores, "
        f"predicted values) or chi² p < {thresholds['chi2_pvalue']} (predicted classes).</sub>",
    ]
    return "\n".join(lines) + "\n"
