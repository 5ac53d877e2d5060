"""The drift report as the `drift` issue's markdown: the verdict line first and what drifted, on a
report detect_drift makes from small synthetic data (a request log, so no model is needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabml.config import DataParams, MonitorParams
from tabml.contract import ColumnSpec, Contract
from tabml.monitor.current import from_request_log
from tabml.monitor.drift import Json, Reference, detect_drift
from tabml.monitor.report import render_markdown, verdict

ROWS = 800
CONTRACT = Contract(
    columns={
        "age": ColumnSpec(type="integer", min=0),
        "job": ColumnSpec(type="category", categories=["a", "b", "c"]),
        "y": ColumnSpec(type="category", categories=["no", "yes"]),
    }
)
DATA = DataParams(path="t.csv", contract="c.yaml", target="y", positive_label="yes")


def counts(**found: int) -> Json:
    names = (
        *("contract_violations", "drifted_columns", "new_category_columns"),
        *("missing_rate_changes", "prediction_drift", "performance_drops", "alerts"),
    )
    return {"columns": 2} | dict.fromkeys(names, 0) | found


def report(age_shift: int) -> Json:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(
        {"age": rng.integers(20, 60, ROWS), "job": rng.choice(["a", "b"], ROWS), "y": "no"}
    )
    log = pd.DataFrame(
        {
            "age": rng.integers(20, 60, ROWS) + age_shift,
            "job": rng.choice(["a", "b"], ROWS),
            "score": rng.uniform(0, 1, ROWS),
        }
    )
    return detect_drift(
        Reference(reference, rng.uniform(0, 1, ROWS), {}, "train", "test", "metrics"),
        from_request_log(log, "requests.jsonl", "y"),
        contract=CONTRACT,
        data=DATA,
        params=MonitorParams(),
        threshold=0.5,
    )


def test_no_drift_is_one_line_naming_how_many_columns_were_checked() -> None:
    line = verdict({"drift": False, "counts": counts()})
    assert line == (
        "**No drift**: 2 columns, the scores and data quality are within the thresholds."
    )
    assert "*" not in verdict({"drift": False, "counts": counts()}, bold=False)


def test_drift_lists_every_kind_found_and_counts_the_alerts() -> None:
    found = counts(contract_violations=1, drifted_columns=1, prediction_drift=1, alerts=3)
    assert verdict({"drift": True, "counts": found}) == (
        "**Drift detected**: contract violation, 1 of 2 columns drifted, scores drifted (3 alerts)."
    )
    single = counts(performance_drops=1, alerts=1)
    assert verdict({"drift": True, "counts": single}, bold=False) == (
        "Drift detected: 1 metrics fell (1 alert)."
    )


@pytest.mark.parametrize("shift", [0, 30])
def test_the_markdown_starts_with_the_verdict_and_names_a_drifted_column(shift: int) -> None:
    found = report(shift)
    markdown = render_markdown(found)
    assert markdown.splitlines()[0] == verdict(found)
    assert "Current: `requests.jsonl` (log, 800 rows)" in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| `age`")]
    assert len(rows) == 1 and ("**drift**" in rows[0]) == bool(shift)
    assert found["drift"] == bool(shift)
    assert markdown.rstrip().endswith("</sub>")  # the thresholds used, last
