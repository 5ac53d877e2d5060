"""The stages' wiring on the small project: each stage reads its inputs where dvc.yaml puts them
(or takes them in memory), and writes its outputs there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tabml import io, paths
from tabml.config import load_params
from tabml.stages import run
from tabml.stages.featurize import feature_columns


def test_run_evaluate_writes_the_baseline_next_to_the_metrics(project: Path) -> None:
    params = load_params(project / "params.yaml")
    split = run.run_prepare(params)
    featurizer, features = run.run_featurize(params, split.train)
    model = run.run_train(params, features, featurizer)
    run.run_evaluate(params, model, split.test)  # the train split is read from disk
    written = json.loads(paths.BASELINE.read_text())
    prevalence = float((split.train[params.data.target] == 1).mean())
    assert written["score"] == pytest.approx(prevalence, abs=1e-6)
    predictions = pd.read_csv(paths.PREDICTIONS)
    assert predictions["baseline_score"].nunique() == 1
    assert predictions["baseline_score"].iloc[0] == pytest.approx(prevalence, abs=1e-6)
    labels = predictions["label"].to_numpy()
    constant = predictions["baseline_score"].to_numpy()
    assert written["brier"] == pytest.approx(float(np.mean((constant - labels) ** 2)), abs=1e-6)
    assert set(json.loads(paths.METRICS.read_text())) >= {"roc_auc", "n_test"}


def test_validate_then_prepare_write_the_stamp_and_both_splits(project: Path) -> None:
    params = load_params(project / "params.yaml")
    stamp = run.run_validate(params)
    assert json.loads(paths.VALIDATED.read_text()) == stamp
    split = run.run_prepare(params)
    pd.testing.assert_frame_equal(io.read_parquet(paths.TRAIN), split.train)
    pd.testing.assert_frame_equal(io.read_parquet(paths.TEST), split.test)
    assert split.warning is None and len(split.train) + len(split.test) == 600


def test_featurize_and_train_read_the_previous_stages_outputs_from_disk(project: Path) -> None:
    params = load_params(project / "params.yaml")
    run.run_prepare(params)
    _, features = run.run_featurize(params)
    pd.testing.assert_frame_equal(io.read_parquet(paths.TRAIN_FEATURES), features)
    shown: list[str] = []

    @contextmanager
    def status(text: str) -> Iterator[None]:
        shown.append(text)
        yield

    model = run.run_train(params, status=status)
    assert shown == [f"training {params.train.model} on {len(features)} rows"]
    test = io.read_parquet(paths.TEST)
    numeric, categorical = feature_columns(test, params.data)
    columns = numeric + categorical
    saved = io.load_model(paths.MODEL)
    np.testing.assert_array_equal(
        saved.predict_proba(test[columns]), model.predict_proba(test[columns])
    )


def test_the_contract_is_checked_row_by_row_and_drafted_from_a_sample(project: Path) -> None:
    params = load_params(project / "params.yaml")
    assert run.check_contract(params) == 600
    draft = yaml.safe_load(run.draft_contract(params.data.path, params.data.na_values, 20))
    assert set(draft["columns"]) == set(pd.read_csv(params.data.path, nrows=1).columns)
