"""The single checks of a drift report, each a pure function of reference and current values.

Per column (PSI with the KS or chi-square test, unseen categories, missing-value rates) and a
numeric model output (`tabml.monitor.outputs` adds class shares and performance). Each returns
a JSON-ready row with its own `drift` or `flag`; `tabml.monitor.drift` puts them together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tabml.config import MonitorParams
from tabml.contract import Contract
from tabml.monitor import stats

Json = dict[str, Any]


def number(value: float | None) -> float | None:
    """A float for JSON: 6 significant digits, None for NaN or infinity."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.6g}")


def format_p(value: float | None) -> str:
    """A p-value for people: 3 decimals, scientific below 0.001, and a floor for 0."""
    if value is None:
        return "-"
    if value == 0.0:
        return "< 1e-300"
    return f"{value:.1e}" if value < 1e-3 else f"{value:.3f}"


def _kind(name: str, frame: pd.DataFrame, contract: Contract) -> str:
    spec = contract.columns.get(name)
    if spec is not None:
        return "categorical" if spec.type == "category" else "numeric"
    return "numeric" if pd.api.types.is_numeric_dtype(frame[name]) else "categorical"


def numeric_drift(reference: pd.Series, current: pd.Series, params: MonitorParams) -> Json:
    """PSI on reference quantile bins and the KS test, on the non-missing values."""
    ref = reference.dropna().to_numpy(dtype=float)
    cur = current.dropna().to_numpy(dtype=float)
    psi = stats.numeric_psi(ref, cur, params.bins)
    statistic, p_value = stats.ks(ref, cur)
    return {
        "kind": "numeric",
        "psi": number(psi),
        "test": "ks",
        "statistic": number(statistic),
        "p_value": number(p_value),
        "drift": psi >= params.psi_threshold and p_value < params.ks_pvalue,
        "reference_mean": number(float(ref.mean())),
        "current_mean": number(float(cur.mean())),
        "new_categories": {},
        "new_category_rate": 0.0,
        "new_category_flag": False,
    }


def categorical_drift(reference: pd.Series, current: pd.Series, params: MonitorParams) -> Json:
    """PSI over categories and the chi-square test (rare ones pooled), and unseen categories."""
    counts = stats.category_counts(reference.dropna(), current.dropna())
    pooled = stats.pool_rare(counts)
    psi = stats.categorical_psi(pooled)
    statistic, p_value = stats.chi_square(pooled)
    unseen = counts[(counts["reference"] == 0) & (counts["current"] > 0)]["current"]
    reference_shares = counts["reference"].to_numpy(dtype=float) / counts["reference"].sum()
    current_shares = counts["current"].to_numpy(dtype=float) / counts["current"].sum()
    top = int(np.argmax(np.abs(current_shares - reference_shares)))
    unseen_rate = float(unseen.sum()) / len(current)
    return {
        "kind": "categorical",
        "psi": number(psi),
        "test": "chi2",
        "statistic": number(statistic),
        "p_value": number(p_value),
        "drift": psi >= params.psi_threshold and p_value < params.chi2_pvalue,
        "largest_change": {
            "category": str(counts.index[top]),
            "reference_share": number(float(reference_shares[top])),
            "current_share": number(float(current_shares[top])),
        },
        "new_categories": {str(k): int(v) for k, v in unseen.items()},
        "new_category_rate": number(unseen_rate),
        "new_category_flag": bool(len(unseen)) and unseen_rate >= params.new_category_rate,
    }


def feature_drift(
    reference: pd.DataFrame, current: pd.DataFrame, contract: Contract, params: MonitorParams
) -> dict[str, Json]:
    """Per-column drift for the columns with values in both the reference and the current data."""
    result: dict[str, Json] = {}
    for name in reference.columns:
        if name not in current.columns or current[name].isna().all():
            continue
        if reference[name].isna().all():
            continue
        if _kind(name, reference, contract) == "numeric":
            result[name] = numeric_drift(reference[name], current[name], params)
        else:
            result[name] = categorical_drift(reference[name], current[name], params)
    return result


def missing_rates(
    reference: pd.DataFrame, current: pd.DataFrame, params: MonitorParams
) -> dict[str, Json]:
    """Missing-value rate per column, reference against current, flagged past the threshold."""
    result: dict[str, Json] = {}
    for name in reference.columns:
        if name not in current.columns:
            continue
        ref = float(reference[name].isna().mean())
        cur = float(current[name].isna().mean())
        result[name] = {
            "reference": number(ref),
            "current": number(cur),
            "change": number(cur - ref),
            "flag": abs(cur - ref) > params.missing_rate_change,
        }
    return result


def prediction_drift(
    reference: stats.Floats, values: stats.Floats, params: MonitorParams, threshold: float | None
) -> Json:
    """A numeric output (binary scores, regression predictions): PSI on reference quantile bins
    and the KS test; with a binary `threshold`, the predicted-positive rates too."""
    psi = stats.numeric_psi(reference, values, params.bins)
    statistic, p_value = stats.ks(reference, values)
    row: Json = {
        "psi": number(psi),
        "ks_statistic": number(statistic),
        "ks_pvalue": number(p_value),
        "drift": psi >= params.score_psi_threshold and p_value < params.ks_pvalue,
        "reference_mean": number(float(reference.mean())),
        "current_mean": number(float(values.mean())),
    }
    if threshold is not None:
        row["reference_positive_rate"] = number(float((reference >= threshold).mean()))
        row["current_positive_rate"] = number(float((values >= threshold).mean()))
    return row


def severity_order(features: Mapping[str, Json]) -> list[tuple[str, Json]]:
    """Columns most worth a look first: drifted, then by PSI."""
    return sorted(features.items(), key=lambda item: (not item[1]["drift"], -(item[1]["psi"])))
