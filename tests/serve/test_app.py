"""The endpoints over real HTTP: health, metadata (release and working tree) and predictions."""

from __future__ import annotations

import functools
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from tabml import io
from tests.serve.servers import (
    RELEASE_INFO,
    RELEASE_MAX_BATCH,
    RELEASE_THRESHOLD,
    Server,
    as_records,
)
from tests.support import run

FEATURES = [
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
]


def expected_scores(root: Path, frame: pd.DataFrame) -> list[float]:
    """What the model itself says about these rows, computed in this process."""
    model = _model(root)
    scores = model.predict_proba(frame[FEATURES])[:, 1]
    return [round(float(score), 6) for score in scores]


@functools.cache
def _model(root: Path) -> Any:
    return io.load_model(root / "models" / "model.skops")


def test_health(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model_version": RELEASE_INFO["version"]}


def test_metadata_of_a_release_comes_from_its_files(
    client: httpx.Client, release_dir: Path
) -> None:
    meta = client.get("/metadata").json()
    assert meta["source"] == "release"
    assert meta["model_version"] == RELEASE_INFO["version"]
    assert meta["git_sha"] == RELEASE_INFO["git_sha"]
    assert meta["data_hash"] == RELEASE_INFO["data_hash"]
    assert meta["metrics"] == json.loads((release_dir / "metrics.json").read_text())
    model_bytes = (release_dir / "model.skops").read_bytes()
    assert meta["model_sha256"] == hashlib.sha256(model_bytes).hexdigest()
    assert meta["threshold"] == RELEASE_THRESHOLD
    assert (meta["positive_label"], meta["negative_label"]) == (">50K", "<=50K")
    assert (meta["task"], meta["classes"]) == ("binary", ["<=50K", ">50K"])
    assert meta["features"] == FEATURES
    assert meta["optional"] == ["gender", "race"]
    assert meta["max_batch"] == RELEASE_MAX_BATCH


def test_metadata_of_a_model_file_comes_from_the_working_tree(plain_server: Server) -> None:
    meta = httpx.get(f"{plain_server.url}/metadata").json()
    root = plain_server.root
    sha256 = hashlib.sha256((root / "models" / "model.skops").read_bytes()).hexdigest()
    assert meta["source"] == "working tree"
    assert meta["model_sha256"] == sha256
    assert meta["model_version"] == f"sha256:{sha256[:12]}"
    assert meta["git_sha"] == run(["git", "rev-parse", "HEAD"], root).stdout.strip()
    assert meta["metrics"] == json.loads((root / "reports" / "metrics.json").read_text())
    assert meta["data_hash"] is None  # the small project has no dvc.lock: null, not a crash
    assert meta["threshold"] == 0.5


def test_predict_matches_the_model_in_order(
    client: httpx.Client, release_server: Server, test_rows: pd.DataFrame
) -> None:
    rows = test_rows.iloc[:RELEASE_MAX_BATCH]
    assert rows[["workclass", "occupation"]].isna().any().any(), "want rows with missing values"
    response = client.post("/predict", json={"records": as_records(rows)})
    assert response.status_code == 200, response.text
    body = response.json()
    scores = [p["score"] for p in body["predictions"]]
    assert scores == expected_scores(release_server.root, rows)
    labels = [p["label"] for p in body["predictions"]]
    assert labels == [">50K" if s >= RELEASE_THRESHOLD else "<=50K" for s in scores]
    assert {">50K", "<=50K"} == set(labels), "the sample should exercise both labels"
    assert body["model_version"] == RELEASE_INFO["version"]
    assert len(body["request_id"]) == 32


def test_group_columns_are_optional(client: httpx.Client, test_rows: pd.DataFrame) -> None:
    rows = test_rows.iloc[:3]
    with_groups = client.post("/predict", json={"records": as_records(rows)}).json()
    without = as_records(rows, drop=("row_id", "income", "gender", "race"))
    response = client.post("/predict", json={"records": without})
    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == with_groups["predictions"]


def test_concurrent_requests_each_get_their_own_scores(
    release_server: Server, plain_server: Server, test_rows: pd.DataFrame
) -> None:
    """Micro-batching merges concurrent requests; every answer must still be its own."""
    chunks = [test_rows.iloc[i : i + 1 + i % 3] for i in range(0, 48, 3)]
    expected = [expected_scores(release_server.root, chunk) for chunk in chunks]

    for server in (release_server, plain_server):
        limits = httpx.Limits(max_connections=16)
        with (
            httpx.Client(base_url=server.url, timeout=30, limits=limits) as session,
            ThreadPoolExecutor(max_workers=16) as pool,
        ):

            def ask(chunk: pd.DataFrame, session: httpx.Client = session) -> list[float]:
                response = session.post("/predict", json={"records": as_records(chunk)})
                assert response.status_code == 200, response.text
                return [p["score"] for p in response.json()["predictions"]]

            answers = list(pool.map(ask, chunks))
        assert answers == expected


def test_predict_scores_are_probabilities(client: httpx.Client, test_rows: pd.DataFrame) -> None:
    body = client.post("/predict", json={"records": as_records(test_rows.iloc[:20])}).json()
    scores = np.array([p["score"] for p in body["predictions"]])
    assert ((scores >= 0) & (scores <= 1)).all()
    assert len(set(scores.tolist())) > 1


def test_openapi_documents_the_contract(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    records = body["schema"]["properties"]["records"]
    assert records["maxItems"] == RELEASE_MAX_BATCH
    age = records["items"]["properties"]["age"]
    assert (age["minimum"], age["maximum"]) == (0, 120)
    assert set(records["items"]["required"]) == set(FEATURES)
