"""The serving fast path gives the pipeline's probabilities for every featurize/train option, falls
back to the pipeline for what it cannot reproduce, and is what the server uses for single rows."""

from __future__ import annotations

import asyncio
import gc
import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OrdinalEncoder, StandardScaler
from threadpoolctl import ThreadpoolController

from tabml import io
from tabml.config import Params
from tabml.contract import load_contract
from tabml.serve import fastmodel
from tabml.serve.app import Settings, create_app
from tabml.serve.fastmodel import UnsupportedError
from tabml.serve.fastpath import FAST_MAX_ROWS, TOLERANCE, FastPath, compile_fast_path
from tabml.serve.schemas import build_record_schema
from tabml.serve.scoring import Scorer
from tabml.stages import run
from tests.serve.synthetic_table import (
    CATEGORIES,
    COLUMNS,
    CONTRACT,
    DATA,
    NUMERIC,
    SCHEMA,
    fit,
    pipeline_scores,
    scored_rows,
    table,
)
from tests.support import ROOT

# Every featurize x train combination that params allow (native categories need trees).
OPTIONS = [
    (categorical, imputer, scale, min_frequency, model)
    for categorical, imputer, scale, min_frequency, model in itertools.product(
        ["native", "onehot"],
        ["median", "mean"],
        [True, False],
        [None, 8],
        ["hist_gradient_boosting", "logistic_regression"],
    )
    if not (categorical == "native" and model == "logistic_regression")
]


@pytest.fixture(autouse=True)
def one_openmp_thread() -> Iterator[None]:
    """Fit and score on one OpenMP thread, as the server does (on shared cores, many threads
    make each call many times slower), and undo the scorer's own limit for later tests."""
    with ThreadpoolController().limit(limits=1, user_api="openmp"):
        yield


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o)))
def test_fast_path_scores_every_option_like_the_pipeline(
    options: tuple[str, str, bool, int | None, str],
) -> None:
    model = fit(options)
    rows = scored_rows()
    fast = compile_fast_path(model, COLUMNS, NUMERIC, CATEGORIES)
    got = fast.predict(rows)
    assert got is not None
    assert np.max(np.abs(got - pipeline_scores(model, rows))) <= TOLERANCE
    # and through the scorer: rounded scores identical to the pipeline's, fast or not
    records = [SCHEMA.model.model_validate(dict(zip(COLUMNS, row, strict=True))) for row in rows]
    fast_scorer = Scorer(model, SCHEMA.features, CONTRACT, False, 1000, fast_max_rows=1000)
    slow_scorer = Scorer(model, SCHEMA.features, CONTRACT, False, 1000, fast_max_rows=0)
    assert fast_scorer.fast is not None and slow_scorer.fast is None
    assert fast_scorer.score_now(records) == slow_scorer.score_now(records)


def test_a_step_the_fast_path_does_not_know_means_the_pipeline_scores() -> None:
    model = fit(("onehot", "median", True, None, "logistic_regression"))
    _, numeric, numeric_columns = model[0].transformers_[0]
    squash = MinMaxScaler().fit(numeric[:1].transform(table(300, seed=1)[numeric_columns]))
    numeric.steps.insert(1, ("squash", squash))
    with pytest.raises(UnsupportedError, match="column 'size' goes through .*MinMaxScaler"):
        compile_fast_path(model, COLUMNS, NUMERIC, CATEGORIES)
    scorer = Scorer(model, SCHEMA.features, CONTRACT, False, 1000)
    assert scorer.fast is None
    assert "MinMaxScaler" in scorer.fast_path
    rows = scored_rows()[:3]
    records = [SCHEMA.model.model_validate(dict(zip(COLUMNS, row, strict=True))) for row in rows]
    expected = [round(float(score), 6) for score in pipeline_scores(model, rows)]
    assert scorer.score_now(records) == expected


def test_a_fast_path_that_disagrees_with_the_pipeline_is_never_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = fit(("native", "median", True, None, "hist_gradient_boosting"))
    real = fastmodel.CompiledTrees.output

    def off_by_a_little(self: fastmodel.CompiledTrees, x: np.ndarray) -> np.ndarray:
        return real(self, x) + 1e-7

    monkeypatch.setattr(fastmodel.CompiledTrees, "output", off_by_a_little)
    with pytest.raises(UnsupportedError, match="differ from the pipeline's by 1e-07"):
        compile_fast_path(model, COLUMNS, NUMERIC, CATEGORIES)


def test_a_linear_model_given_a_missing_value_is_left_to_the_pipeline() -> None:
    """A linear model on ordinal codes (not a tabml option) sees NaN for an unseen category:
    the fast path answers None so that the pipeline raises its own error, as it always did."""
    train_rows = table(300, seed=1)
    train_rows = train_rows[train_rows["kind"].notna()]
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    featurizer = ColumnTransformer(
        [("numeric", StandardScaler(), ["count"]), ("kind", encoder, ["kind"])], remainder="drop"
    )
    model = Pipeline([("features", featurizer), ("classifier", LogisticRegression())])
    model.fit(train_rows[COLUMNS], train_rows["label"])
    fast = compile_fast_path(model, COLUMNS, NUMERIC, CATEGORIES)
    known = (1, "red", 0.0, "circle", 1, "b")
    assert fast.predict([known]) is not None
    assert fast.predict([known, (*known[:5], None)]) is None


def test_the_server_uses_the_fast_path_for_small_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    io.save_model(
        tmp_path / "model.skops", fit(("onehot", "mean", True, 8, "hist_gradient_boosting"))
    )
    contract = tmp_path / "contract.yaml"
    contract.write_text(yaml.safe_dump(CONTRACT.model_dump(exclude_none=True)))
    params = Params.model_validate(
        {
            "data": {**DATA.model_dump(mode="json"), "contract": str(contract)},
            "serve": {"request_log": {"enabled": False}},
        }
    )
    calls = {"fast": 0, "pipeline": 0}
    fast_predict, pipeline_predict = FastPath.predict, Pipeline.predict_proba

    def counted_fast(self: FastPath, rows: Any) -> Any:
        calls["fast"] += 1
        return fast_predict(self, rows)

    def counted_pipeline(self: Pipeline, x: Any) -> Any:
        calls["pipeline"] += 1
        return pipeline_predict(self, x)

    monkeypatch.setattr(FastPath, "predict", counted_fast)
    monkeypatch.setattr(Pipeline, "predict_proba", counted_pipeline)
    records = [dict(zip(COLUMNS, row, strict=True)) for row in scored_rows()]
    app = create_app(Settings(model=tmp_path / "model.skops", params=params))
    calls.update(fast=0, pipeline=0)  # start-up compiled, checked and warmed up the model

    gc.unfreeze()

    async def scenario() -> tuple[str, httpx.Response, httpx.Response, dict[str, int]]:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://serve") as client,
        ):
            assert gc.get_freeze_count() > 0  # the loaded model left the collector's full passes
            scoring = (await client.get("/metadata")).json()["scoring"]
            single = await client.post("/predict", json={"records": records[:1]})
            after_single = dict(calls)
            large = await client.post("/predict", json={"records": records[: FAST_MAX_ROWS + 1]})
            return scoring, single, large, after_single

    scoring, single, large, after_single = asyncio.run(scenario())
    assert scoring.startswith(f"fast path for batches of up to {FAST_MAX_ROWS} rows")
    assert single.status_code == large.status_code == 200, (single.text, large.text)
    assert after_single == {"fast": 1, "pipeline": 0}
    assert calls == {"fast": 1, "pipeline": 1}
    scores = [p["score"] for p in large.json()["predictions"]]
    assert scores[0] == single.json()["predictions"][0]["score"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [
        {},  # the bundled params.yaml: the model `make serve` serves
        {"featurize": {"categorical": "onehot", "min_frequency": 20}},
        {"featurize": {"categorical": "onehot"}, "train": {"model": "logistic_regression"}},
    ],
    ids=["bundled", "onehot-infrequent", "logistic"],
)
def test_fast_path_on_the_bundled_test_split(
    options: dict[str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row of the bundled project's test split, against the pipeline as evaluate runs it."""
    for name in ("data/contract.yaml", "data/raw/adult.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    for section, values in options.items():
        raw[section] = {**raw[section], **values}
    monkeypatch.chdir(tmp_path)
    params = Params.model_validate(raw)
    split = run.run_prepare(params)
    featurizer, features = run.run_featurize(params, split.train)
    model = run.run_train(params, features, featurizer)
    contract = load_contract(params.data.contract)
    schema = build_record_schema(contract, params.data)
    columns = list(schema.features)
    numeric = {c for c in columns if contract.columns[c].type != "category"}
    categories = {c: contract.columns[c].categories or [] for c in columns}
    test = split.test[columns].astype(object).where(split.test[columns].notna(), None)
    rows = list(test.itertuples(index=False, name=None))
    got = compile_fast_path(model, columns, numeric, categories).predict(rows)
    assert got is not None
    expected = model.predict_proba(split.test)[:, 1]
    assert len(got) == len(split.test) > 1000
    assert np.max(np.abs(got - expected)) <= TOLERANCE
