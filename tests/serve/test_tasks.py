"""Serving follows data.task: multiclass answers a class name and each class's probability,
regression a predicted value; /metadata, the request log and /metrics say the same; a model of
another kind than the task is refused at start-up. Small sklearn models fitted here."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
import yaml
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import ThreadpoolController

from tabml import io
from tabml.config import DataParams, Params
from tabml.contract import Contract
from tabml.errors import TabmlError
from tabml.metrics import Task
from tabml.serve import app as app_module
from tabml.serve.app import Settings, create_app
from tabml.serve.model import Provenance, ServedModel
from tabml.serve.tasks import class_names, pipeline_output

CLASSES = ["high", "low", "mid"]  # sorted, as the class list is
CONTRACT = {
    "columns": {
        "x": {"type": "number", "nullable": True},
        "size": {"type": "integer", "min": 0},
        "color": {"type": "category", "categories": ["blue", "green", "red"]},
        "kind": {"type": "category", "categories": CLASSES},
        "price": {"type": "number"},
    }
}
FEATURES = ["x", "size", "color"]


@pytest.fixture(autouse=True)
def one_openmp_thread() -> Iterator[None]:
    with ThreadpoolController().limit(limits=1, user_api="openmp"):
        yield


def table(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """Features, a class that depends on them and a price that does."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    x[rng.random(rows) < 0.1] = np.nan
    size = rng.integers(0, 10, rows)
    color = rng.choice(["blue", "green", "red"], rows)
    signal = np.nan_to_num(x) + size / 5 + (color == "red")
    kind = np.array(CLASSES)[np.digitize(signal, [0.8, 2.0])]
    price = 1000 * signal + 50 * rng.normal(size=rows)
    return pd.DataFrame({"x": x, "size": size, "color": color, "kind": kind, "price": price})


def featurizer() -> ColumnTransformer:
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    return ColumnTransformer(
        [
            ("numbers", numbers, ["x", "size"]),
            ("colors", OneHotEncoder(handle_unknown="ignore"), ["color"]),
        ]
    )


def fit(task: Task, final: Any = None) -> Pipeline:
    frame = table()
    target = "price" if task == "regression" else "kind"
    model = final or (
        HistGradientBoostingRegressor(max_iter=10, random_state=0)
        if task == "regression"
        else HistGradientBoostingClassifier(max_iter=10, random_state=0)
    )
    return Pipeline([("features", featurizer()), ("model", model)]).fit(
        frame[FEATURES], frame[target]
    )


def params(tmp_path: Path, task: Task, **serve: Any) -> Params:
    contract = tmp_path / "contract.yaml"
    contract.write_text(yaml.safe_dump(CONTRACT))
    target, drop = ("price", ["kind"]) if task == "regression" else ("kind", ["price"])
    data = {"path": "t.csv", "contract": str(contract), "target": target, "task": task}
    log = {"enabled": True, "path": str(tmp_path / "requests.jsonl")}
    return Params.model_validate(
        {"data": {**data, "drop": drop}, "serve": {"request_log": log, **serve}}
    )


def in_memory(monkeypatch: pytest.MonkeyPatch, estimator: Any) -> None:
    """Serve `estimator` as if loaded from a file (the file's allow-list is tested elsewhere)."""

    def load(model: Path, checksums: Path | None, data_path: Path) -> ServedModel:
        none = Provenance(version=None, git_sha=None, data_hash=None, metrics=None)
        return ServedModel(estimator, model, None, "0" * 64, "v1", "working tree", none)

    monkeypatch.setattr(app_module, "load_served_model", load)


def call(app: FastAPI, *requests: tuple[str, str, Any]) -> list[httpx.Response]:
    """Run the app's lifespan and send the requests in order."""

    async def scenario() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://serve") as client,
        ):
            return [await client.request(m, url, json=body) for m, url, body in requests]

    return asyncio.run(scenario())


def records(rows: int) -> list[dict[str, Any]]:
    frame = table(rows, seed=1)[FEATURES].astype(object)
    frame["x"] = frame["x"].where(frame["x"].notna(), None)
    return [
        {str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]


def expected(model: Pipeline, task: Task, sent: list[dict[str, Any]]) -> np.ndarray:
    frame = pd.DataFrame(sent).astype({"x": float, "size": float})
    return pipeline_output(model, frame, task)


@pytest.mark.parametrize("rows", [3, 200], ids=["fast-path", "pipeline"])
def test_multiclass_answers_a_class_name_and_each_probability(
    rows: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = fit("multiclass")
    in_memory(monkeypatch, model)
    app = create_app(Settings(model=tmp_path / "m.skops", params=params(tmp_path, "multiclass")))
    sent = records(rows)
    meta, answer = call(app, ("GET", "/metadata", None), ("POST", "/predict", {"records": sent}))
    assert answer.status_code == 200, answer.text
    metadata = meta.json()
    assert (metadata["task"], metadata["classes"]) == ("multiclass", CLASSES)
    assert metadata["threshold"] is None and metadata["positive_label"] is None
    assert metadata["scoring"].startswith("fast path")
    probabilities = expected(model, "multiclass", sent)
    predictions = answer.json()["predictions"]
    assert len(predictions) == rows
    for got, row in zip(predictions, probabilities, strict=True):
        assert set(got) == {"label", "probabilities"}
        assert list(got["probabilities"]) == CLASSES
        assert list(got["probabilities"].values()) == pytest.approx(row, abs=1e-6)
        assert got["label"] == CLASSES[int(np.argmax(row))]
    logged = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert [{k: e[k] for k in ("label", "probabilities")} for e in logged] == predictions


def test_regression_answers_a_prediction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = fit("regression")
    in_memory(monkeypatch, model)
    settings = params(tmp_path, "regression", prometheus=True)
    app = create_app(Settings(model=tmp_path / "m.skops", params=settings))
    sent = records(5)
    meta, answer, bad, metrics = call(
        app,
        ("GET", "/metadata", None),
        ("POST", "/predict", {"records": sent}),
        ("POST", "/predict", {"records": [{**sent[0], "size": -1}]}),
        ("GET", "/metrics", None),
    )
    assert (meta.json()["task"], meta.json()["classes"]) == ("regression", None)
    assert meta.json()["scoring"].startswith("fast path")
    predictions = answer.json()["predictions"]
    values = expected(model, "regression", sent)
    assert [set(p) for p in predictions] == [{"prediction"}] * 5
    assert [p["prediction"] for p in predictions] == [round(float(v), 6) for v in values]
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "records[0].size"
    logged = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert [e["prediction"] for e in logged] == [p["prediction"] for p in predictions]
    assert all("score" not in e and "label" not in e for e in logged)
    samples = {
        s.name: s.value
        for family in text_string_to_metric_families(metrics.text)
        for s in family.samples
    }
    assert samples["tabml_prediction_value_count"] == 5
    assert samples["tabml_prediction_value_sum"] == pytest.approx(sum(values), rel=1e-6)
    assert samples.get("tabml_prediction_score_count") == 0


@pytest.mark.parametrize(
    ("task", "served", "problem"),
    [
        ("regression", "multiclass", "a classifier of 3 classes"),
        ("binary", "regression", "a regressor"),
        ("binary", "multiclass", "a classifier of 3 classes"),
    ],
)
def test_a_model_of_another_kind_than_the_task_is_refused(
    task: Task, served: Task, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_memory(monkeypatch, fit(served, LogisticRegression() if served != "regression" else None))
    settings = params(tmp_path, task if task != "binary" else "multiclass")
    if task == "binary":
        data = settings.data.model_dump() | {"task": "binary", "positive_label": "high"}
        settings = settings.model_copy(update={"data": DataParams.model_validate(data)})
    with pytest.raises(
        TabmlError, match=f"the model is {problem}, which cannot serve data.task '{task}'"
    ):
        create_app(Settings(model=tmp_path / "m.skops", params=settings))


@pytest.mark.slow  # skops save and load: seconds of imports on a busy machine
def test_a_multiclass_model_file_keeps_its_class_names(tmp_path: Path) -> None:
    """Through skops and back, as `tabml serve` loads it: the names are the model's classes."""
    model = fit("multiclass", LogisticRegression())
    io.save_model(tmp_path / "model.skops", model)
    settings = params(tmp_path, "multiclass")
    app = create_app(Settings(model=tmp_path / "model.skops", params=settings))
    (meta,) = call(app, ("GET", "/metadata", None))
    assert meta.json()["classes"] == CLASSES
    assert meta.json()["scoring"].startswith("fast path")


def test_class_names_of_a_model_fitted_on_codes() -> None:
    contract = Contract.model_validate(CONTRACT)
    data = DataParams(path="t.csv", contract="c.yaml", target="kind", task="multiclass")
    frame = table()
    codes = frame["kind"].map({name: i for i, name in enumerate(CLASSES)})
    on_codes = LogisticRegression().fit(frame[["size"]], codes)
    assert class_names(on_codes, contract, data) == CLASSES
    numeric = data.model_copy(update={"target": "size"})  # a numeric target: its values
    on_numbers = LogisticRegression().fit(frame[["x"]].fillna(0), frame["size"])
    assert class_names(on_numbers, contract, numeric) == [str(v) for v in range(10)]
