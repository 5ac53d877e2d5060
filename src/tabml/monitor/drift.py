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
from tabml.monitor.checks import Json, feature_drift, format_p, missing_rates, severity_order
from tabml.monitor.current import Current, check_contract
from tabml.monitor.outputs import (
    Outputs,
    class_codes,
    model_outputs,
    output_drift,
    performance,
    task_labels,
    unknown_classes,
)
from tabml.monitor.overlap import find_overlap, overlap_warning
from tabml.paths import PREDICTED, ROW_ID, SCORE
from tabml.stages.featurize import feature_columns

# Json, format_p and severity_order are importable from here (the report and the tests do).
__all__ = [
    "SCHEMA_VERSION",
    "Json",
    "Reference",
    "current_outputs",
    "detect_drift",
    "format_p",
    "severity_order",
]

SCHEMA_VERSION = 1
TEST_NAMES = {"ks": "KS", "chi2": "chi-square"}
DRIFTED = {"score": "scores", "prediction": "predicted values", "class": "predicted class shares"}


@dataclass(frozen=True)
class Reference:
    """What the current data is compared with: the training split, the test set's outputs
    (binary scores, multiclass class codes into `classes`, regression predictions) and metrics,
    and the raw training rows (for the overlap warning) when they could be read."""

    frame: pd.DataFrame
    scores: stats.Floats
    metrics: Mapping[str, Any]
    source: str
    scores_source: str
    metrics_source: str
    classes: tuple[str, ...] = ()
    training_rows: pd.DataFrame | None = None


def current_outputs(
    current: Current, frame: pd.DataFrame, reference: Reference, data: DataParams, model: Any
) -> tuple[Outputs | None, str]:
    """Outputs from the request log, else from the model on the batch; or why there are none."""
    if current.predicted is not None:
        codes = class_codes(current.predicted, reference.classes)
        if np.isnan(codes).any():
            unknown = sorted(set(current.predicted.astype(str)) - set(reference.classes))
            return None, f"the request log has classes the reference lacks ({', '.join(unknown)})"
        columns = [f"{SCORE}:{name}" for name in reference.classes]
        matrix, probabilities = None, current.probabilities
        if probabilities is not None and set(columns) <= set(probabilities.columns):
            matrix = probabilities[columns].to_numpy(dtype=float)
        return Outputs(codes, matrix), "request log"
    if current.scores is not None:
        return Outputs(current.scores), "request log"
    if model is None:
        return None, "no model was given to score the batch"
    numeric, categorical = feature_columns(reference.frame, data)
    absent = [name for name in numeric + categorical if name not in frame.columns]
    if absent:
        return None, f"the model input column '{absent[0]}' is missing"
    try:
        outputs = model_outputs(model, frame[numeric + categorical], data.task, reference.classes)
    except (ValueError, TypeError) as exc:
        return None, f"the model could not score the batch ({exc})"
    return outputs, "model"


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
        test, p_value, alpha = (
            ("chi-square", prediction["p_value"], params.chi2_pvalue)
            if prediction["output"] == "class"
            else ("KS", prediction["ks_pvalue"], params.ks_pvalue)
        )
        alerts.append(
            f"{DRIFTED[prediction['output']]} drifted: PSI {prediction['psi']:.3f} "
            f"(>= {params.score_psi_threshold}), {test} p-value {format_p(p_value)} (< {alpha})"
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
    outputs, outputs_source = current_outputs(current, frame, reference, data, model)
    labels = (
        task_labels(current.labels, data, reference.classes) if current.labels is not None else None
    )
    labelled = 0 if labels is None else int((~np.isnan(labels)).sum())

    prediction: Json = {"computed": False, "reason": outputs_source}
    if outputs is not None:
        prediction = output_drift(
            reference.scores,
            outputs,
            params,
            data.task,
            threshold=threshold,
            classes=reference.classes,
        )
        prediction["source"] = outputs_source
    perf: Json = {"computed": False, "reason": "the current data has no labels"}
    if labels is not None and labelled > 0:
        if outputs is None:
            perf["reason"] = f"there are no model outputs: {outputs_source}"
        elif labelled < params.min_rows:
            perf["reason"] = f"only {labelled} labelled rows (monitor.min_rows {params.min_rows})"
        else:
            perf = performance(
                labels, outputs, reference.metrics, params, task=data.task, threshold=threshold
            )
    overlap = find_overlap(
        reference.frame[ROW_ID] if ROW_ID in reference.frame else pd.Series(dtype=str),
        reference.training_rows,
        current.frame,
        contract=contract,
        id_column=data.id_column,
    )

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
        "overlap": overlap,
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
    report["warnings"] = _warnings(overlap, current, data, reference.classes)
    report["drift"] = bool(alerts)
    return report


def _warnings(
    overlap: Json, current: Current, data: DataParams, classes: tuple[str, ...]
) -> list[str]:
    """Sentences about the trust in this report, not drift: they change no verdict."""
    warnings = [text for text in [overlap_warning(overlap)] if text]
    if data.task == "multiclass" and current.labels is not None:
        unseen = unknown_classes(current.labels, classes)
        if unseen:
            shown = ", ".join(f"'{name}' ({count})" for name, count in unseen.items())
            warnings.append(
                f"labelled rows hold classes the model never learned, left out of performance: "
                f"{shown}"
            )
    return warnings


def load_reference(data: DataParams, contract: Contract) -> Reference:
    """The reproduced pipeline's reference: train split, test-set outputs and metrics, and the
    raw training rows when `data.path` is there to read."""
    from tabml import io, paths
    from tabml.monitor.outputs import reference_outputs
    from tabml.monitor.overlap import training_rows

    train = io.read_parquet(paths.TRAIN)
    predictions = io.read_csv(paths.PREDICTIONS, [], {PREDICTED: "str"})
    outputs, classes = reference_outputs(predictions, data.task, str(paths.PREDICTIONS))
    training = None
    if data.path.exists():
        raw = io.read_table(data.path, data.na_values, contract.read_dtypes())
        training = training_rows(raw, train[ROW_ID], data.id_column)
    return Reference(
        frame=train,
        scores=outputs,
        metrics=io.read_json(paths.METRICS),
        source=str(paths.TRAIN),
        scores_source=str(paths.PREDICTIONS),
        metrics_source=str(paths.METRICS),
        classes=classes,
        training_rows=training,
    )
