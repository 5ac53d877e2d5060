"""The server on the real pipeline's output: full data, real `dvc repro`, real dvc.lock."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
import yaml

from tests.serve.servers import as_records, start, stop, wait_ready
from tests.support import run

pytestmark = pytest.mark.slow


@pytest.fixture
def served_repo(reproduced_repo: Path, tmp_path: Path) -> Iterator[str]:
    """`tabml serve` on the reproduced repository's model; the request log goes to tmp_path."""
    params = yaml.safe_load((reproduced_repo / "params.yaml").read_text())
    params["serve"]["request_log"]["path"] = str(tmp_path / "requests.jsonl")
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    process, url = start(reproduced_repo / "models" / "model.skops", params_file, reproduced_repo)
    try:
        wait_ready(process, url, params_file.with_suffix(".out"))
        yield url
    finally:
        stop(process)


def test_metadata_comes_from_dvc_lock_git_and_reports(
    served_repo: str, reproduced_repo: Path
) -> None:
    meta = httpx.get(f"{served_repo}/metadata").json()
    raw = (reproduced_repo / "data" / "raw" / "adult.csv").read_bytes()
    assert meta["data_hash"] == hashlib.md5(raw).hexdigest()
    assert meta["git_sha"] == run(["git", "rev-parse", "HEAD"], reproduced_repo).stdout.strip()
    metrics = json.loads((reproduced_repo / "reports" / "metrics.json").read_text())
    assert meta["metrics"] == metrics


def test_served_scores_equal_the_evaluate_stage_predictions(
    served_repo: str, reproduced_repo: Path
) -> None:
    test = pd.read_parquet(reproduced_repo / "data" / "prepared" / "test.parquet")
    expected = pd.read_csv(reproduced_repo / "reports" / "predictions.csv").set_index("row_id")
    rows = test.iloc[:1000]
    response = httpx.post(f"{served_repo}/predict", json={"records": as_records(rows)}, timeout=60)
    assert response.status_code == 200, response.text
    scores = [p["score"] for p in response.json()["predictions"]]
    wanted = expected.loc[rows["row_id"], "score"].tolist()
    assert scores == pytest.approx(wanted, abs=1e-6)
