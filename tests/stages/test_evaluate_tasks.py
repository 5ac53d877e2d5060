"""Each task end to end through the stages on its own small table: the shared formats of
predictions.csv, metrics.json, baseline.json and the plot files (docs/design.md), read from disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, mean_squared_error
from typer.testing import CliRunner

from tabml import io, metrics, paths
from tabml.cli import app
from tabml.config import load_params, parse_params
from tabml.contract import infer_contract
from tabml.errors import TabmlError
from tabml.stages import run
from tabml.stages.evaluate import evaluate
from tabml.stages.featurize import featurize
from tabml.stages.prepare import prepare
from tabml.stages.train import train
from tests.stages.task_tables import CULTIVARS, task_params, task_table, write_task_project

PLOT_FILES = [
    paths.ROC,
    paths.PRECISION_RECALL,
    paths.CALIBRATION,
    paths.CONFUSION,
    paths.PREDICTED_ACTUAL,
    paths.RESIDUALS,
    paths.IMPORTANCE,
]


def run_all(root: Path, task: str, monkeypatch: pytest.MonkeyPatch, **data: Any) -> None:
    """Write the project of `task` in `root` and run every stage there, through the files."""
    monkeypatch.chdir(root)
    params = load_params(write_task_project(root, task, **data))
    run.run_validate(params)
    run.run_prepare(params)
    run.run_featurize(params)
    run.run_train(params)
    run.run_evaluate(params)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def filled_plots() -> set[str]:
    """The plot files with rows (the others hold only their header)."""
    return {p.name for p in PLOT_FILES if len(pd.read_csv(p)) > 0}


def test_multiclass_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_all(tmp_path, "multiclass", monkeypatch)
    classes = sorted(CULTIVARS)
    train = io.read_parquet(paths.TRAIN)
    assert pd.api.types.is_integer_dtype(train["cultivar"])  # the prepared label is the code
    assert set(train["cultivar"]) == {0, 1, 2} and train.attrs["classes"] == classes
    assert io.load_model(paths.MODEL).classes_.tolist() == classes  # serving needs nothing else

    predictions = pd.read_csv(paths.PREDICTIONS)
    scores = [f"score:{c}" for c in classes]
    assert list(predictions.columns) == [
        "row_id",
        "label",
        "predicted",
        "baseline_predicted",
        *scores,
        *[f"baseline_score:{c}" for c in classes],
        "region",
    ]
    raw = task_table("multiclass").set_index(pd.RangeIndex(178, name="row_id"))
    truth = raw.loc[predictions["row_id"], "cultivar"].tolist()
    assert predictions["label"].tolist() == truth  # names, matching the raw table row by row
    argmax = np.asarray(classes)[predictions[scores].to_numpy().argmax(axis=1)]
    assert predictions["predicted"].tolist() == argmax.tolist()
    assert predictions[scores].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-5)

    written = read_json(paths.METRICS)
    assert written["task"] == "multiclass" and written["n_test"] == len(predictions)
    assert set(metrics.names("multiclass")) <= set(written)
    assert not set(metrics.names("binary")) - set(metrics.names("multiclass")) & set(written)
    expected = f1_score(predictions["label"], predictions["predicted"], average="macro")
    assert written["f1_macro"] == pytest.approx(expected, abs=1e-6)
    recall = written["per_class_recall"]
    assert list(recall) == classes
    for name in classes:
        rows = predictions["label"] == name
        assert recall[name] == pytest.approx((predictions["predicted"][rows] == name).mean())

    baseline = read_json(paths.BASELINE)
    shares = train["cultivar"].value_counts(normalize=True).sort_index().round(6).tolist()
    assert baseline["strategy"] == "most_frequent"
    assert list(baseline["shares"].values()) == shares
    assert baseline["label"] == classes[int(np.argmax(shares))]
    assert set(predictions["baseline_predicted"]) == {baseline["label"]}
    assert predictions[f"baseline_score:{classes[0]}"].iloc[0] == pytest.approx(shares[0])
    assert set(metrics.names("multiclass")) <= set(baseline)

    confusion = pd.read_csv(paths.CONFUSION)
    assert confusion["actual"].tolist() == predictions["label"].tolist()
    assert confusion["predicted"].tolist() == predictions["predicted"].tolist()
    assert filled_plots() == {"confusion.csv", "importance.csv"}
    slices = read_json(paths.SLICES)["region"]
    assert sum(s["n"] for s in slices.values()) == len(predictions)
    assert all("f1_macro" in s and "roc_auc" not in s for s in slices.values())


def test_regression_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_all(tmp_path, "regression", monkeypatch)
    train = io.read_parquet(paths.TRAIN)
    assert train["progression"].dtype == np.float64 and "classes" not in train.attrs

    predictions = pd.read_csv(paths.PREDICTIONS)
    assert list(predictions.columns) == [
        "row_id",
        "label",
        "predicted",
        "baseline_predicted",
        "region",
    ]
    raw = task_table("regression")
    assert predictions["label"].tolist() == raw.loc[predictions["row_id"], "progression"].tolist()

    written = read_json(paths.METRICS)
    assert written["task"] == "regression" and written["n_test"] == len(predictions)
    assert set(written) == {*metrics.names("regression"), "n_test", "task"}
    rmse = mean_squared_error(predictions["label"], predictions["predicted"]) ** 0.5
    assert written["rmse"] == pytest.approx(rmse, rel=1e-6)  # the file holds what was scored

    baseline = read_json(paths.BASELINE)
    mean = round(float(train["progression"].mean()), 6)
    assert baseline["strategy"] == "mean" and baseline["prediction"] == pytest.approx(mean)
    assert predictions["baseline_predicted"].tolist() == pytest.approx([mean] * len(predictions))
    assert baseline["r2"] <= 0.0 < written["r2"]  # the model beats predicting the mean

    residuals = pd.read_csv(paths.RESIDUALS)
    expected = predictions["label"] - predictions["predicted"]
    assert residuals["residual"].to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-5)
    actual = pd.read_csv(paths.PREDICTED_ACTUAL)
    assert actual["actual"].tolist() == predictions["label"].tolist()
    assert filled_plots() == {"predicted_actual.csv", "residuals.csv", "importance.csv"}
    importance = pd.read_csv(paths.IMPORTANCE)
    assert importance["feature"].iloc[0] in {"bmi", "s5"}  # the diabetes table's strong ones
    slices = read_json(paths.SLICES)["region"]
    assert all("rmse" in s and "positive_rate" not in s for s in slices.values())
    printed = CliRunner().invoke(app, ["evaluate"])  # the command names the task's metrics
    assert printed.exit_code == 0 and f"evaluate: rmse={written['rmse']}, r2=" in printed.output


def test_binary_end_to_end_names_its_classes_in_the_confusion_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_all(tmp_path, "binary", monkeypatch)
    predictions = pd.read_csv(paths.PREDICTIONS)
    assert list(predictions.columns) == [  # unchanged by data.task
        "row_id",
        "label",
        "score",
        "predicted",
        "baseline_score",
        "baseline_predicted",
        "region",
    ]
    confusion = pd.read_csv(paths.CONFUSION)
    names = np.where(predictions["label"] == 1, "barolo", "other")
    assert confusion["actual"].tolist() == names.tolist()
    assert set(confusion["predicted"]) <= {"barolo", "other"}
    written = read_json(paths.METRICS)
    assert written["task"] == "binary" and written["threshold"] == 0.5
    assert filled_plots() == {
        "roc.csv",
        "precision_recall.csv",
        "calibration.csv",
        "confusion.csv",
        "importance.csv",
    }


def test_a_model_whose_classes_are_not_the_splits_is_refused_in_one_sentence() -> None:
    params = parse_params(task_params("multiclass"))
    frame = task_table("multiclass")
    train_split, test = prepare(frame, infer_contract(frame), params.data, params.split, "t.csv")
    featurizer, features = featurize(train_split, params.data, params.featurize)
    model = train(features, "cultivar", featurizer, params.train, "multiclass")
    test.attrs["classes"] = ["barbera", "barolo", "nebbiolo"]  # a split prepared from other data
    with pytest.raises(TabmlError, match="the model's classes .* are not the prepared split's"):
        evaluate(model, test, params.data, params.evaluate, 0, train=train_split)
