"""Drift between a reference and the current data: features, scores, data quality, performance.

`detect_drift` is a pure function of frames, params and (optionally) the model. It returns the
machine-readable report (docs/drift.schema.json); `drift` is true when any alert passed its
threshold. `tabml.monitor.report.render_markdown` turns it into the issue body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabml.config import DataParams, MonitorParams
from tabml.contract import Contract
from tabml.errors import TabmlError
from tabml.monitor import stats
from tabml.monitor.checks import (
    Json,
    feature_drift,
    format_p,
    missing_rates,
    performance,
    prediction_drift,
    severity_order,
)
from tabml.monitor.current import Current, check_contract, encode_labels
from tabml.paths import ROW_ID, SCORE
from tabml.stages.featurize import feature_columns

# Json, format_p and severity_order are importable from here (the report and the tests do).
__all__ = [
    "SCHEMA_VERSION",
    "Json",
    "Reference",
    "current_scores",
    "detect_drift",
    "format_p",
    "load_reference",
    "reference_scores",
    "severity_order",
]

SCHEMA_VERSION = 1
TEST_NAMES = {"ks": "KS", "chi2": "chi-square"}


@dataclass(frozen=True)
class Reference:
    """What the current data is compared with."""

    frame: pd.DataFrame
    scores: stats.Floats
    metrics: Mapping[str, Any]
    source: str
    scores_source: str
    metrics_source: str


def current_scores(
    current: Current, frame: pd.DataFrame, reference: pd.DataFrame, data: DataParams, model: Any
) -> tuple[stats.Floats | None, str]:
    """Scores from the request log, else from the model on the batch; or why there are none."""
    if current.scores is not None:
        return current.scores, "request log"
    if model is None:
        return None, "no model was given to score the batch"
    numeric, categorical = feature_columns(reference, data)
    absent = [name for name in numeric + categorical if name not in frame.columns]
    if absent:
        return None, f"the model input column '{absent[0]}' is missing"
    try:
        scores = model.predict_proba(frame[numeric + categorical])[:, 1]
    except (ValueError, TypeError) as exc:
        return None, f"the model could not score the batch ({exc})"
    return np.asarray(scores, dtype=float), "model"


def _alerts(report: Json, params: MonitorParams) -> list[str]:
    """One sentence per threshold passed, most important first."""
    alerts: list[str] = []
    if report["data_quality"]["contract_violation"]:
        alerts.append(report["data_quality"]["contract_violation"])
    for name, row in severity_order(report["features"]):
        if row["drift"]:
            alpha = params.ks_pvalue if row["test"] == "ks" else params.chi2_pvalue
            alerts.append(
                f"column '{name}' drifted: PSI {row['psi']:.3f} (>= {params.psi_threshold}), "
                f"{TEST_NAMES[row['test']]} p-value {format_p(row['p_value'])} (< {alpha})"
            )
    for name, row in report["features"].items():
        if row["new_category_flag"]:
            shown = ", ".join(sorted(row["new_categories"]))
            alerts.append(
                f"column '{name}' has {row['new_category_rate']:.1%} of rows in categories the "
                f"reference never had ({shown})"
            )
    for name, row in report["data_quality"]["missing_rates"].items():
        if row["flag"]:
            alerts.append(
                f"column '{name}' missing-value rate moved from {row['reference']:.1%} to "
                f"{row['current']:.1%} (by more than {params.missing_rate_change * 100:g} points)"
            )
    prediction = report["prediction"]
    if prediction["computed"] and prediction["drift"]:
        alerts.append(
            f"scores drifted: PSI {prediction['psi']:.3f} (>= {params.score_psi_threshold}), "
            f"KS p-value {format_p(prediction['ks_pvalue'])} (< {params.ks_pvalue})"
        )
    if report["performance"]["computed"]:
        for name, row in report["performance"]["metrics"].items():
            if row["flag"]:
                alerts.append(
                    f"{name} fell from {row['reference']:.4g} to {row['current']:.4g} "
                    f"(allowed drop {row['max_drop']})"
                )
    return alerts


def detect_drift(
    reference: Reference,
    current: Current,
    *,
    contract: Contract,
    data: DataParams,
    params: MonitorParams,
    threshold: float,
    model: Any = None,
) -> Json:
    """Compare the current data with the reference; the JSON report (see docs/monitoring.md)."""
    rows = len(current.frame)
    if rows < params.min_rows:
        raise TabmlError(
            f"{current.source}: has {rows} rows, fewer than monitor.min_rows ({params.min_rows})"
        )
    frame, violation = check_contract(current, contract, data.target)
    monitored = reference.frame.drop(columns=[ROW_ID, data.target], errors="ignore")
    absent = [name for name in monitored.columns if name not in frame.columns]
    scores, scores_source = current_scores(current, frame, reference.frame, data, model)
    labels = (
        encode_labels(current.labels, data.positive) if current.labels is not None else None
    )
    labelled = 0 if labels is None else int((~np.isnan(labels)).sum())

    prediction: Json = {"computed": False, "reason": scores_source}
    if scores is not None:
        prediction = prediction_drift(reference.scores, scores, params, threshold)
        prediction["source"] = scores_source
    perf: Json = {"computed": False, "reason": "the current data has no labels"}
    if labels is not None and labelled > 0:
        if scores is None:
            perf["reason"] = f"there are no scores: {scores_source}"
        elif labelled < params.min_rows:
            perf["reason"] = f"only {labelled} labelled rows (monitor.min_rows {params.min_rows})"
        else:
            perf = performance(labels, scores, reference.metrics, params, threshold)

    report: Json = {
        "schema_version": SCHEMA_VERSION,
        "reference": {
            "source": reference.source,
            "rows": len(reference.frame),
            "scores_source": reference.scores_source,
            "score_rows": len(reference.scores),
            "metrics_source": reference.metrics_source,
        },
        "current": {
            "source": current.source,
            "kind": current.kind,
            "rows": rows,
            "labelled_rows": labelled,
        },
        "thresholds": params.model_dump(mode="json"),
        "features": feature_drift(monitored, frame, contract, params),
        "data_quality": {
            "contract_violation": violation,
            "absent_columns": absent,
            "missing_rates": missing_rates(monitored, frame, params),
        },
        "prediction": prediction,
        "performance": perf,
    }
    alerts = _alerts(report, params)
    features = report["features"].values()
    report["counts"] = {
        "columns": len(report["features"]),
        "drifted_columns": sum(row["drift"] for row in features),
        "new_category_columns": sum(row["new_category_flag"] for row in features),
        "missing_rate_changes": sum(
            row["flag"] for row in report["data_quality"]["missing_rates"].values()
        ),
        "contract_violations": int(bool(violation)),
        "prediction_drift": int(bool(prediction.get("drift"))),
        "performance_drops": sum(
            row["flag"] for row in perf.get("metrics", {}).values() if perf["computed"]
        ),
        "alerts": len(alerts),
    }
    report["alerts"] = alerts
    report["drift"] = bool(alerts)
    return report


def reference_scores(predictions: pd.DataFrame, source: str) -> stats.Floats:
    """The score column of reports/predictions.csv."""
    if SCORE not in predictions.columns:
        raise TabmlError(f"{source}: has no '{SCORE}' column; run the evaluate stage (dvc repro)")
    return predictions[SCORE].to_numpy(dtype=float)


def load_reference() -> Reference:
    """The reproduced pipeline's reference: train split, test-set scores and metrics."""
    from tabml import io, paths

    return Reference(
        frame=io.read_parquet(paths.TRAIN),
        scores=reference_scores(io.read_csv(paths.PREDICTIONS, []), str(paths.PREDICTIONS)),
        metrics=io.read_json(paths.METRICS),
        source=str(paths.TRAIN),
        scores_source=str(paths.PREDICTIONS),
        metrics_source=str(paths.METRICS),
    )
