"""The model card speaks of the task: what a multiclass or regression model predicts, its
headline metric, the trivial baseline next to each metric, per-class recall, the task's slice
metrics, the split and how to call the loaded model. Inputs made up here (no reports of the
bundled project); the binary card is checked against the committed reports in test_card.py."""

from __future__ import annotations

from typing import Any

from tabml.compare.bootstrap import Interval
from tabml.config import Params
from tabml.contract import Contract
from tabml.metrics import Task
from tabml.release.card import render_card
from tabml.release.card_inputs import CardInputs, CardNotes, ReleaseInfo, TrainingData

CONTRACT = Contract.model_validate(
    {
        "columns": {
            "size": {"type": "integer"},
            "region": {"type": "category", "categories": ["north", "south"]},
            "kind": {"type": "category", "categories": ["oak", "ash", "elm"]},
            "price": {"type": "number"},
        }
    }
)
MULTICLASS = {
    "accuracy": 0.8,
    "f1_macro": 0.75,
    "f1_weighted": 0.79,
    "balanced_accuracy": 0.74,
    "log_loss": 0.52,
    "n_test": 120,
    "task": "multiclass",
    "per_class_recall": {"ash": 0.9, "elm": 0.55, "oak": 0.77},
}
REGRESSION = {
    "rmse": 12.5,
    "mae": 9.0,
    "r2": 0.81,
    "abs_error_p50": 7.0,
    "abs_error_p90": 21.0,
    "n_test": 120,
    "task": "regression",
}


def card(task: Task, metrics: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    target = "price" if task == "regression" else "kind"
    params = Params.model_validate(
        {
            "data": {
                "path": "data/raw/trees.csv",
                "contract": "data/trees.yaml",
                "target": target,
                "task": task,
                "drop": ["kind" if task == "regression" else "price"],
                "groups": ["region"],
            },
        }
    )
    names = params.report.metrics
    slices = {"region": {"north": {"n": 300, **{m: metrics[m] for m in names}}}}
    return render_card(
        CardInputs(
            info=ReleaseInfo("model", "v1.0.0", None, "c" * 40, "2026-01-01", "Acme/Trees"),
            params=params,
            contract=CONTRACT,
            metrics=metrics,
            slices=slices,
            intervals=[
                Interval(m, metrics[m], metrics[m] - 0.01, metrics[m] + 0.01) for m in names
            ],
            data=TrainingData("data/raw/trees.csv", None, None),
            model_sha256="d" * 64,
            notes=CardNotes(),
            baseline=baseline,
        )
    )


def rows(text: str, heading: str) -> list[list[str]]:
    body = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in body.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


def test_a_multiclass_card_names_the_classes_the_headline_and_the_baseline() -> None:
    text = card("multiclass", MULTICLASS, {"f1_macro": 0.17, "accuracy": 0.4})
    summary = dict(row[:2] for row in rows(text, "Summary"))
    assert summary["predicts"] == "the class of `kind`, one of 3: `ash`, `elm`, `oak`"
    assert summary["task"] == "multiclass (`data.task`)"
    assert summary["headline metric"].startswith("`f1_macro` (higher is better")
    assert "threshold" not in summary and "P(" not in text
    assert "probability of each of the 3 classes" in text
    metrics = {row[0]: row for row in rows(text, "Metrics")}
    assert metrics["metric"][4] == "baseline"
    assert metrics["f1_macro"][1:] == [
        "0.7500",
        "0.7400",
        "0.7600",
        "0.1700",
        "higher is better; headline",
    ]
    assert metrics["log_loss"][4:] == ["n/a", "lower is better"]
    assert metrics["`elm`"] == ["`elm`", "0.5500"]  # recall of each class
    assert "most frequent training class" in text
    slices = rows(text, "Per-slice metrics")
    assert slices[0] == [
        "value",
        "rows",
        "accuracy",
        "f1_macro",
        "f1_weighted",
        "balanced_accuracy",
        "log_loss",
    ]
    assert "stratified, 80% train" in text
    assert "The label is the most probable class" in text
    assert "probabilities = model.predict_proba(frame)" in text


def test_a_regression_card_speaks_of_values_and_errors() -> None:
    text = card("regression", REGRESSION, {"rmse": 30.0})
    summary = dict(row[:2] for row in rows(text, "Summary"))
    assert summary["predicts"] == "the value of `price` (a number)"
    assert summary["headline metric"].startswith("`rmse` (lower is better")
    metrics = {row[0]: row for row in rows(text, "Metrics")}
    assert metrics["rmse"][4:] == ["30.0000", "lower is better; headline"]
    assert metrics["r2"][-1] == "higher is better"
    assert "Recall of each class" not in text and "positive rate" not in text
    assert "predicts the training mean" in text
    assert "random (seeded), 80% train" in text
    assert "predicted value of `price` as `prediction`" in text
    assert "values = model.predict(frame)" in text and "predict_proba" not in text
    assert "abs_error_p90" in rows(text, "Per-slice metrics")[0]


def test_without_a_baseline_file_the_card_says_so() -> None:
    text = card("regression", REGRESSION, None)
    assert "reports/baseline.json was not found" in text
    assert "baseline" not in rows(text, "Metrics")[0]
