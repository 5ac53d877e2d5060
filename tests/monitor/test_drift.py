"""Drift detection on the real default data, at the thresholds shipped in params.yaml.

Slow: a model trained on half of the bundled data (24k rows) and each check on thousands of rows
(seconds of CPU in all). The default suite covers drift on small data in test_run.py (the monitor
end to end on the small project), test_report.py and test_stats.py."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import numpy as np
import pandas as pd
import pytest

from tabml.errors import TabmlError
from tabml.monitor.batches import parse_shift, shift_frame
from tabml.monitor.current import from_request_log
from tabml.monitor.drift import detect_drift
from tabml.monitor.report import render_markdown
from tests.monitor.split_data import Halves
from tests.support import ROOT

pytestmark = pytest.mark.slow
SCHEMA = json.loads((ROOT / "docs" / "drift.schema.json").read_text())


def drifted(report: dict) -> set[str]:  # type: ignore[type-arg]
    return {name for name, row in report["features"].items() if row["drift"]}


def test_no_false_alarm_between_two_halves_of_the_default_data(halves: Halves) -> None:
    report = halves.detect(halves.current)
    assert report["alerts"] == []
    assert report["drift"] is False
    assert report["counts"]["columns"] == 13
    assert report["prediction"]["computed"] and not report["prediction"]["drift"]
    assert report["performance"]["computed"]
    assert render_markdown(report).startswith("**No drift**")


@pytest.mark.parametrize("shift", ["age=+10", "hours-per-week=*1.3", "educational-num=-3"])
def test_a_shifted_batch_raises_the_alarm_on_that_column_only(
    halves: Halves, batch: pd.DataFrame, shift: str
) -> None:
    change = parse_shift(shift, halves.contract)
    report = halves.detect(shift_frame(batch, [change], halves.contract))
    assert report["drift"] is True
    assert drifted(report) == {change.column}
    assert report["data_quality"]["contract_violation"] == ""
    assert any(alert.startswith(f"column '{change.column}' drifted") for alert in report["alerts"])


def test_the_unshifted_sample_raises_no_alarm(halves: Halves, batch: pd.DataFrame) -> None:
    assert halves.detect(batch)["alerts"] == []


def test_categories_unseen_in_the_reference_are_reported_and_flagged_by_share(
    halves: Halves, batch: pd.DataFrame
) -> None:
    frame = halves.reference.frame
    reference = dataclasses.replace(
        halves.reference, frame=frame[frame["occupation"] != "Tech-support"]
    )
    base = batch.replace({"occupation": {"Tech-support": "Sales"}})

    rare = base.copy()
    rare.loc[rare.index[:3], "occupation"] = "Tech-support"
    report = halves.detect(rare, reference)
    row = report["features"]["occupation"]
    assert row["new_categories"] == {"Tech-support": 3}
    assert row["new_category_flag"] is False  # 0.1% of rows, under new_category_rate
    assert "| `occupation` | `Tech-support` | 3 | ok |" in render_markdown(report)

    common = base.copy()
    common.loc[common.index[:150], "occupation"] = "Tech-support"
    report = halves.detect(common, reference)
    assert report["features"]["occupation"]["new_categories"] == {"Tech-support": 150}
    assert report["features"]["occupation"]["new_category_flag"] is True
    assert report["drift"] is True
    assert any("categories the reference never had (Tech-support)" in a for a in report["alerts"])


def test_a_category_outside_the_contract_is_a_violation_and_a_new_category(
    halves: Halves, batch: pd.DataFrame
) -> None:
    batch.loc[batch.index[:100], "workclass"] = "Gig-economy"
    report = halves.detect(batch)
    assert report["data_quality"]["contract_violation"] == (
        "batch.csv: column 'workclass' has 100 values outside its allowed categories "
        "(e.g. 'Gig-economy')"
    )
    assert report["features"]["workclass"]["new_categories"] == {"Gig-economy": 100}
    assert report["counts"]["contract_violations"] == 1
    assert report["drift"] is True


def test_a_missing_rate_change_is_flagged(halves: Halves, batch: pd.DataFrame) -> None:
    batch.loc[batch.sample(frac=0.2, random_state=0).index, "occupation"] = np.nan
    report = halves.detect(batch)
    rates = report["data_quality"]["missing_rates"]
    assert rates["occupation"]["flag"] is True
    assert rates["occupation"]["current"] > rates["occupation"]["reference"] + 0.1
    assert [name for name, row in rates.items() if row["flag"]] == ["occupation"]
    assert report["counts"]["missing_rate_changes"] == 1
    assert report["drift"] is True


def test_contract_violations_are_reported_not_raised(halves: Halves, batch: pd.DataFrame) -> None:
    batch.loc[batch.index[:7], "age"] = -5
    report = halves.detect(batch)
    assert report["data_quality"]["contract_violation"] == (
        "batch.csv: column 'age' has 7 values below 0"
    )
    assert report["alerts"][0] == report["data_quality"]["contract_violation"]
    assert "Contract: **violated**: batch.csv: column 'age'" in render_markdown(report)


def test_a_missing_column_still_gives_a_report(halves: Halves, batch: pd.DataFrame) -> None:
    report = halves.detect(batch.drop(columns=["education"]))
    assert report["data_quality"]["contract_violation"].startswith(
        "batch.csv: column 'education' is missing"
    )
    assert report["data_quality"]["absent_columns"] == ["education"]
    assert "education" not in report["features"]
    assert report["prediction"] == {
        "computed": False,
        "reason": "the model input column 'education' is missing",
    }
    jsonschema.validate(json.loads(json.dumps(report)), SCHEMA)


def test_performance_is_computed_from_labels_and_flags_a_drop(
    halves: Halves, batch: pd.DataFrame
) -> None:
    report = halves.detect(batch)
    perf = report["performance"]
    assert perf["computed"] and perf["labelled_rows"] == len(batch)
    assert not any(row["flag"] for row in perf["metrics"].values())
    assert perf["metrics"]["roc_auc"]["reference"] == pytest.approx(
        halves.reference.metrics["roc_auc"], abs=1e-6
    )

    target = halves.params.data.target
    flipped = batch.copy()
    flipped[target] = np.where(batch[target] == ">50K", "<=50K", ">50K")
    perf = halves.detect(flipped)["performance"]
    assert perf["metrics"]["roc_auc"]["flag"] is True
    assert perf["metrics"]["roc_auc"]["current"] == pytest.approx(
        1 - report["performance"]["metrics"]["roc_auc"]["current"], abs=1e-5
    )


def test_unlabelled_rows_are_no_violation_and_no_performance(
    halves: Halves, batch: pd.DataFrame
) -> None:
    target = halves.params.data.target
    half_unlabelled = batch.copy()
    half_unlabelled.loc[half_unlabelled.index[::2], target] = np.nan
    report = halves.detect(half_unlabelled)
    jsonschema.validate(json.loads(json.dumps(report)), SCHEMA)
    assert report["data_quality"]["contract_violation"] == ""
    assert report["performance"]["labelled_rows"] == len(batch) - len(batch) // 2

    report = halves.detect(batch.drop(columns=[target]))
    assert report["data_quality"]["contract_violation"] == ""
    assert report["performance"] == {
        "computed": False,
        "reason": "the current data has no labels",
    }


def test_request_log_scores_are_compared_without_the_model(
    halves: Halves, batch: pd.DataFrame
) -> None:
    target = halves.params.data.target
    inputs = batch.drop(columns=[target, "fnlwgt"])
    log = inputs.assign(score=0.99, label=">50K", model_version="1.0.0")
    report = detect_drift(
        halves.reference,
        from_request_log(log, "requests.jsonl", target),
        contract=halves.contract,
        data=halves.params.data,
        params=halves.params.monitor,
        threshold=halves.params.evaluate.threshold,
    )
    assert report["prediction"]["source"] == "request log"
    assert report["prediction"]["drift"] is True  # every logged score is 0.99
    assert report["data_quality"]["contract_violation"] == ""
    assert report["performance"]["computed"] is False  # a logged label is a prediction
    assert drifted(report) == set()


def test_too_few_rows_is_one_clear_error(halves: Halves, batch: pd.DataFrame) -> None:
    with pytest.raises(TabmlError, match=r"^batch.csv: has 50 rows, fewer than monitor.min_rows"):
        halves.detect(batch.head(50))
