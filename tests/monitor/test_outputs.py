"""Monitoring follows `data.task`: prediction drift on the model's output (scores, predicted class
shares, predicted values), the task's metrics on labelled rows, labels encoded per task. Tiny
synthetic projects with plain scikit-learn models fitted here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from tabml import metrics
from tabml.config import DataParams, MonitorParams, Params, parse_params
from tabml.contract import ColumnSpec, Contract
from tabml.errors import TabmlError
from tabml.metrics import Task
from tabml.monitor.current import from_batch, from_request_log
from tabml.monitor.drift import Json, Reference, detect_drift
from tabml.monitor.outputs import (
    Outputs,
    class_codes,
    class_list,
    performance,
    reference_outputs,
    task_labels,
)
from tabml.monitor.report import render_markdown, verdict
from tabml.serve.logs import format_lines, read_request_log
from tests.support import ROOT

SCHEMA = json.loads((ROOT / "docs" / "drift.schema.json").read_text())
CLASSES = ("cat", "dog", "eel")  # the class list: sorted names, code i = CLASSES[i]
ROWS = 600


def params_for(task: Task) -> Params:
    """Params as params.yaml gives them: the task's performance_drop filled in by `Params`."""
    data: dict[str, Any] = {"path": "t.csv", "contract": "c.yaml", "target": "y", "task": task}
    if task == "binary":
        data["positive_label"] = "yes"
    return parse_params({"data": data, "monitor": {"min_rows": 100}})


def contract_for(task: Task) -> Contract:
    target = (
        ColumnSpec(type="number")
        if task == "regression"
        else ColumnSpec(type="category", categories=list(CLASSES))
    )
    return Contract(columns={"x": ColumnSpec(type="number"), "y": target})


def rows(rng: np.random.Generator, task: Task, shift: float = 0.0) -> pd.DataFrame:
    """`x` decides the target: three bands of x are three classes; regression y = 3x + noise."""
    x = rng.uniform(0, 3, ROWS) + shift
    if task == "regression":
        return pd.DataFrame({"x": x, "y": 3 * x + rng.normal(0, 0.3, ROWS)})
    names = np.asarray(CLASSES)[np.clip(x.astype(int), 0, 2)]
    return pd.DataFrame({"x": x, "y": names})


class Project:
    """A fitted model and the reference the pipeline would write for it."""

    def __init__(self, task: Task) -> None:
        self.task, self.params, self.contract = task, params_for(task), contract_for(task)
        rng = np.random.default_rng(3)
        train, test = rows(rng, task), rows(rng, task)
        self.rng = rng
        if task == "regression":
            self.model: Any = LinearRegression().fit(train[["x"]], train["y"])
            reference = self.model.predict(test[["x"]])
            found = Outputs(reference)
            truth = test["y"].to_numpy()
        else:
            self.model = LogisticRegression().fit(train[["x"]], train["y"])
            matrix = self.model.predict_proba(test[["x"]])
            reference = np.argmax(matrix, axis=1).astype(float)
            found = Outputs(reference, matrix)
            truth = class_codes(test["y"], CLASSES)
        scored = performance(truth, found, {}, self.params.monitor, task=task, threshold=0.5)
        self.reference = Reference(
            frame=train.assign(row_id=np.arange(ROWS)),
            scores=reference,
            metrics={name: row["current"] for name, row in scored["metrics"].items()},
            source="train",
            scores_source="predictions",
            metrics_source="metrics",
            classes=CLASSES if task == "multiclass" else (),
        )

    def detect(self, current: pd.DataFrame, log: bool = False) -> Json:
        source = (
            from_request_log(current, "requests.jsonl", "y", self.task)
            if log
            else from_batch(current, "batch.csv", "y")
        )
        report = detect_drift(
            self.reference,
            source,
            contract=self.contract,
            data=self.params.data,
            params=self.params.monitor,
            threshold=0.5,
            model=None if log else self.model,
        )
        jsonschema.validate(report, SCHEMA)
        return report


@pytest.fixture(scope="module")
def multiclass() -> Project:
    return Project("multiclass")


@pytest.fixture(scope="module")
def regression() -> Project:
    return Project("regression")


def test_multiclass_predicted_class_shares_drift_with_chi_square(multiclass: Project) -> None:
    same = multiclass.detect(rows(multiclass.rng, "multiclass"))
    assert same["prediction"]["output"] == "class" and not same["prediction"]["drift"]
    shares = same["prediction"]["shares"]
    assert list(shares) == list(CLASSES)
    assert sum(share["current"] for share in shares.values()) == pytest.approx(1.0)
    moved = multiclass.detect(rows(multiclass.rng, "multiclass", shift=1.0))  # more 'eel'
    assert moved["prediction"]["drift"] and moved["prediction"]["test"] == "chi2"
    assert moved["prediction"]["shares"]["eel"]["current"] > shares["eel"]["current"] + 0.2
    assert any(a.startswith("predicted class shares drifted") for a in moved["alerts"])
    markdown = render_markdown(moved)
    assert "| `eel` |" in markdown and "predicted class shares drifted" in verdict(moved)
    assert "and the predicted classes in `predictions`" in markdown


def test_multiclass_performance_uses_the_task_metrics_and_its_drop_allowances(
    multiclass: Project,
) -> None:
    batch = rows(multiclass.rng, "multiclass")
    perf = multiclass.detect(batch)["performance"]
    assert list(perf["metrics"]) == list(metrics.names("multiclass"))
    drops = metrics.TASK_DEFAULTS["multiclass"].performance_drop
    assert perf["metrics"]["f1_macro"]["max_drop"] == drops["f1_macro"]
    assert not any(row["flag"] for row in perf["metrics"].values())
    wrong = batch.assign(y=np.roll(batch["y"].to_numpy(), 1))  # labels no longer follow x
    worse = multiclass.detect(wrong)["performance"]["metrics"]
    assert worse["f1_macro"]["flag"] and worse["accuracy"]["flag"]


def test_regression_predicted_values_drift_with_ks_and_r2_falls(regression: Project) -> None:
    same = regression.detect(rows(regression.rng, "regression"))
    assert same["prediction"]["output"] == "prediction" and not same["drift"]
    assert "reference_positive_rate" not in same["prediction"]
    assert list(same["performance"]["metrics"]) == list(metrics.names("regression"))
    moved = rows(regression.rng, "regression", shift=1.5)
    found = regression.detect(moved)
    assert found["prediction"]["drift"] and found["prediction"]["ks_pvalue"] < 0.01
    assert any(a.startswith("predicted values drifted") for a in found["alerts"])
    noisy = rows(regression.rng, "regression").assign(y=lambda f: f["y"].sample(frac=1).values)
    assert regression.detect(noisy)["performance"]["metrics"]["r2"]["flag"]
    assert "mean prediction" in render_markdown(found)


def request_log(path: Path, inputs: pd.DataFrame, outputs: list[dict[str, Any]]) -> pd.DataFrame:
    """A request log written and read by `tabml.serve.logs`, as the server and monitor do."""
    lines = format_lines(
        request_id="r1",
        model_version="0.1.0",
        inputs_json=[json.dumps(record) for record in inputs.to_dict(orient="records")],
        outputs=outputs,
        timestamp="2026-01-02T03:04:05.000Z",
    )
    path.write_text(lines + "\n")
    return read_request_log(path, meta=True)


def test_multiclass_request_log_gives_predicted_classes_and_unknown_labels_warn(
    multiclass: Project, tmp_path: Path
) -> None:
    batch = rows(multiclass.rng, "multiclass")
    matrix = multiclass.model.predict_proba(batch[["x"]])
    answers = [
        {
            "label": CLASSES[int(np.argmax(row))],
            "probabilities": dict(zip(CLASSES, row, strict=True)),
        }
        for row in matrix
    ]
    log = request_log(tmp_path / "requests.jsonl", batch[["x"]], answers)
    report = multiclass.detect(log, log=True)
    assert report["prediction"]["source"] == "request log" and not report["prediction"]["drift"]
    labelled = request_log(tmp_path / "labelled.jsonl", batch, answers)  # the target logged too
    assert "log_loss" in multiclass.detect(labelled, log=True)["performance"]["metrics"]
    answers[0] = {"label": "fox", "probabilities": {"fox": 1.0}}
    other = request_log(tmp_path / "other.jsonl", batch[["x"]], answers)
    found = multiclass.detect(other, log=True)["prediction"]
    assert found == {
        "computed": False,
        "reason": "the request log has classes the reference lacks (fox)",
    }
    labelled = batch.assign(y=batch["y"].where(batch.index >= 50, "fox"))
    report = multiclass.detect(labelled)
    assert report["warnings"] == [
        "labelled rows hold classes the model never learned, left out of performance: 'fox' (50)"
    ]
    assert report["performance"]["labelled_rows"] == ROWS - 50
    with pytest.raises(TabmlError, match="requests.jsonl: the request log has no 'predicted'"):
        from_request_log(batch, "requests.jsonl", "y", "multiclass")


def test_regression_request_log_gives_predicted_values(regression: Project, tmp_path: Path) -> None:
    batch = rows(regression.rng, "regression", shift=1.5)
    answers = [{"prediction": float(v)} for v in regression.model.predict(batch[["x"]])]
    report = regression.detect(request_log(tmp_path / "r.jsonl", batch[["x"]], answers), log=True)
    assert report["prediction"]["output"] == "prediction" and report["prediction"]["drift"]


def test_labels_are_encoded_per_task() -> None:
    binary = DataParams(path="t", contract="c", target="y", positive_label="yes")
    assert task_labels(pd.Series(["yes", "no", None]), binary, ()).tolist()[:2] == [1.0, 0.0]
    multi = DataParams(path="t", contract="c", target="y", task="multiclass")
    coded = task_labels(pd.Series(["eel", "cat", None, "fox"]), multi, CLASSES)
    assert coded[:2].tolist() == [2.0, 0.0] and np.isnan(coded[2:]).all()
    numbers = DataParams(path="t", contract="c", target="y", task="regression")
    assert task_labels(pd.Series(["1.5", None]), numbers, ())[0] == 1.5


def test_reference_outputs_read_predictions_csv_per_task() -> None:
    multi = pd.DataFrame(
        {"row_id": [0, 1], "label": ["dog", "cat"], "predicted": ["dog", "dog"]}
        | {f"score:{name}": [0.2, 0.3] for name in CLASSES}
    )
    assert class_list(multi) == CLASSES
    codes, classes = reference_outputs(multi, "multiclass", "p.csv")
    assert codes.tolist() == [1.0, 1.0] and classes == CLASSES
    values = pd.DataFrame({"row_id": [0], "label": [2.0], "predicted": [2.5]})
    assert reference_outputs(values, "regression", "p.csv")[0].tolist() == [2.5]
    with pytest.raises(TabmlError, match="p.csv: has no 'score' column"):
        reference_outputs(values, "binary", "p.csv")
    with pytest.raises(TabmlError, match="p.csv: has no 'predicted' and 'score:<class>'"):
        reference_outputs(values, "multiclass", "p.csv")


def test_binary_performance_keeps_its_metrics_on_labelled_rows_only() -> None:
    monitor = MonitorParams()
    labels = np.array([1.0, 0.0] * 300 + [np.nan] * 10)
    good = Outputs(np.where(labels == 1.0, 0.9, 0.1))
    found = performance(labels, good, {"roc_auc": 0.8}, monitor, task="binary", threshold=0.5)
    assert found["labelled_rows"] == 600 and list(found["metrics"]) == list(metrics.names("binary"))
    assert found["metrics"]["roc_auc"]["current"] == 1.0 and not found["metrics"]["roc_auc"]["flag"]
    coin = Outputs(np.random.default_rng(0).uniform(0, 1, len(labels)))
    worse = performance(labels, coin, {"roc_auc": 0.8}, monitor, task="binary", threshold=0.5)
    assert worse["metrics"]["roc_auc"]["flag"]
    assert worse["metrics"]["roc_auc"]["max_drop"] == monitor.performance_drop["roc_auc"]
