"""evaluate: metrics, the trivial baseline, slices, predictions and plot tables."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from tabml.config import (
    DataParams,
    EvaluateParams,
    FeaturizeParams,
    Params,
    TrainParams,
)
from tabml.stages.evaluate import (
    classification_metrics,
    evaluate,
    precision_recall_table,
    roc_table,
)
from tabml.stages.featurize import featurize
from tabml.stages.train import train


def test_metrics_on_known_scores() -> None:
    labels = np.array([0, 0, 1, 1])
    scores = np.array([0.1, 0.6, 0.4, 0.9])
    metrics = classification_metrics(labels, scores, 0.5)
    assert metrics["roc_auc"] == 0.75
    assert metrics["accuracy"] == 0.5
    assert metrics["precision"] == 0.5 and metrics["recall"] == 0.5
    assert metrics["brier"] == round((0.01 + 0.36 + 0.36 + 0.01) / 4, 6)


def test_curves_use_a_fixed_grid() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500)
    scores = np.clip(labels * 0.3 + rng.random(500) * 0.7, 0, 1)
    roc = roc_table(labels, scores, 11)
    assert roc["fpr"].tolist() == pytest.approx(np.linspace(0, 1, 11).tolist())
    assert roc["tpr"].is_monotonic_increasing and roc["tpr"].iloc[-1] == 1.0
    pr = precision_recall_table(labels, scores, 11)
    assert pr["precision"].is_monotonic_decreasing


def test_evaluate_outputs(splits: tuple[pd.DataFrame, pd.DataFrame], params: Params) -> None:
    featurizer, features = featurize(splits[0], params.data, params.featurize)
    model = train(features, "income", featurizer, params.train)
    result = evaluate(model, splits[1], params.data, params.evaluate, seed=0, train=splits[0])
    test = splits[1]
    assert result.metrics["n_test"] == len(test)
    assert result.metrics["roc_auc"] == pytest.approx(
        roc_auc_score(test["income"], result.predictions["score"]), abs=1e-6
    )
    assert list(result.predictions.columns) == [
        "row_id",
        "label",
        "score",
        "predicted",
        "baseline_score",
        "baseline_predicted",
        "gender",
        "race",
    ]
    assert result.predictions["row_id"].tolist() == test["row_id"].tolist()
    assert set(result.slices) == {"gender", "race"}
    assert sum(s["n"] for s in result.slices["gender"].values()) == len(test)  # type: ignore[misc]
    assert set(result.importance["feature"]) == {
        "age",
        "workclass",
        "education",
        "educational-num",
        "marital-status",
        "occupation",
        "relationship",
        "capital-gain",
        "capital-loss",
        "hours-per-week",
        "native-country",
    }
    assert len(result.calibration) <= params.evaluate.calibration_bins


def churn_split(rows: int, positives: int, seed: int) -> pd.DataFrame:
    """A table that is not Adult: `positives` churned customers among `rows`."""
    rng = np.random.default_rng(seed)
    churned = np.array([1] * positives + [0] * (rows - positives))
    return pd.DataFrame(
        {
            "row_id": np.arange(rows) + seed * 1000,
            "tenure": churned * 2.0 + rng.normal(size=rows),
            "plan": rng.choice(["basic", "pro"], rows),
            "region": rng.choice(["north", "south"], rows),
            "churned": churned,
        }
    )


def test_evaluate_scores_the_trivial_baseline_on_the_same_rows() -> None:
    data = DataParams(
        path=Path("t.csv"), contract=Path("c.yaml"), target="churned", positive_label=1
    )
    train_split, test = churn_split(40, 10, seed=1), churn_split(20, 5, seed=2)
    featurizer, features = featurize(train_split, data, FeaturizeParams())
    model = train(features, "churned", featurizer, TrainParams(model="logistic_regression"))
    result = evaluate(model, test, data, EvaluateParams(), seed=0, train=train_split)
    p = 0.25  # the training prevalence: 10 of 40
    assert result.predictions["baseline_score"].tolist() == [p] * 20
    assert result.predictions["baseline_predicted"].tolist() == [0] * 20  # majority class
    baseline = result.baseline
    assert baseline["strategy"] == "prevalence" and baseline["score"] == p
    assert baseline["label"] == 0 and baseline["n_train"] == 40
    assert baseline["roc_auc"] == 0.5  # a constant score ranks nothing
    assert baseline["brier"] == pytest.approx(p * (1 - p), abs=1e-6)  # test prevalence is p too
    assert baseline["log_loss"] == pytest.approx(-(p * math.log(p) + (1 - p) * math.log(1 - p)))
    assert baseline["accuracy"] == 0.75 and baseline["recall"] == 0 and baseline["f1"] == 0
    assert result.metrics["roc_auc"] > 0.5  # the model itself is scored as before
