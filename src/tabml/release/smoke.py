"""Smoke-test a running model server: /health, /metadata, /predict, and a refused bad request.

The answers are checked for params' `data.task`: a binary score in [0, 1] and one of the two
labels; a multiclass label among /metadata's classes with one probability per class; a
regression prediction that is a finite number.

The records sent are real rows of the raw table (features and groups only), or, when the table
is not available (e.g. DVC-tracked and not pulled), one example record built from the contract.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tabml import io
from tabml.config import Params
from tabml.contract import ColumnSpec, Contract
from tabml.errors import TabmlError


@dataclass(frozen=True)
class SmokeReport:
    """What the smoke test saw."""

    url: str
    model_version: str
    records: int
    scores: list[float]  # binary: scores; multiclass: the label's probability; regression: values


def call(method: str, url: str, body: Any = None, timeout: float = 10) -> tuple[int, Any]:
    """One HTTP call with a JSON body; returns the status and the decoded JSON (or None)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def wait_until_healthy(base: str, timeout: float) -> dict[str, Any]:
    """Poll GET /health until it answers 200 or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        try:
            status, body = call("GET", f"{base}/health", timeout=5)
            if status == 200 and isinstance(body, dict) and body.get("status") == "ok":
                return body
            last = f"HTTP {status}"
        except (urllib.error.URLError, OSError) as error:
            last = str(getattr(error, "reason", error))
        if time.monotonic() >= deadline:
            raise TabmlError(f"{base}/health: not healthy after {timeout:.0f} s ({last})")
        time.sleep(0.5)


def _value(value: Any, spec: ColumnSpec) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if spec.type == "integer":
        return int(value)
    if spec.type == "number":
        return float(value)
    return str(value)


def example_record(contract: Contract, columns: list[str]) -> dict[str, Any]:
    """A valid record from the contract alone: first category, else the lowest allowed number."""
    record: dict[str, Any] = {}
    for column in columns:
        spec = contract.columns[column]
        if spec.type == "category":
            record[column] = spec.categories[0] if spec.categories else "example"
        else:
            low = (
                spec.min
                if spec.min is not None
                else min(0, spec.max if spec.max is not None else 0)
            )
            record[column] = _value(low, spec)
    return record


def sample_records(
    params: Params, contract: Contract, columns: list[str], count: int, root: Path = Path()
) -> list[dict[str, Any]]:
    """`count` rows of the raw table restricted to `columns`, or one record from the contract."""
    table = root / params.data.path
    if not table.is_file():
        return [example_record(contract, columns)]
    frame = io.read_table(table, params.data.na_values, contract.read_dtypes()).head(count)
    return [
        {column: _value(row[column], contract.columns[column]) for column in columns}
        for row in frame.to_dict("records")
    ]


def _number(value: Any) -> float | None:
    """A finite JSON number, else None."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _check_one(prediction: Any, task: str, meta: dict[str, Any]) -> float | None:
    """The number a prediction stands for (binary score, multiclass probability of the label,
    regression value), or None when it is not a valid answer for the task."""
    if not isinstance(prediction, dict):
        return None
    if task == "regression":
        return _number(prediction.get("prediction"))
    if task == "multiclass":
        classes = meta.get("classes") or []
        probabilities = prediction.get("probabilities")
        if not isinstance(probabilities, dict) or list(probabilities) != classes:
            return None
        values = [_number(p) for p in probabilities.values()]
        if any(p is None or not 0.0 <= p <= 1.0 for p in values):
            return None
        total = sum(p for p in values if p is not None)
        label = prediction.get("label")
        if abs(total - 1.0) > 1e-3 or label not in probabilities:
            return None
        return _number(probabilities[label])
    score = _number(prediction.get("score"))
    labels = {meta.get("positive_label"), meta.get("negative_label")}
    valid = score is not None and 0.0 <= score <= 1.0 and prediction.get("label") in labels
    return score if valid else None


_EXPECTED = {
    "binary": "a score in [0, 1] and one of the two labels",
    "multiclass": "a label of /metadata's classes and a probability for each class, summing to 1",
    "regression": "a finite number as prediction",
}


def check_predictions(
    where: str, meta: dict[str, Any], task: str, predictions: list[Any]
) -> list[float]:
    """Each prediction's number, once every one is a valid answer for `task`; a server that
    serves another task than params' `data.task` is refused (one without `task` is binary)."""
    served = meta.get("task", "binary")
    if served != task:
        raise TabmlError(f"{where}: the server serves a {served} model, but data.task is '{task}'")
    numbers = [_check_one(prediction, task, meta) for prediction in predictions]
    for index, number in enumerate(numbers):
        if number is None:
            raise TabmlError(
                f"{where}: prediction {index} is not {_EXPECTED[task]} "
                f"({json.dumps(predictions[index])[:200]})"
            )
    return [number for number in numbers if number is not None]


def smoke(
    base: str,
    params: Params,
    contract: Contract,
    *,
    expect_version: str | None = None,
    count: int = 5,
    timeout: float = 60,
    root: Path = Path(),
) -> SmokeReport:
    """Run every check against the server at `base`; the first failure is one sentence."""
    base = base.rstrip("/")
    health = wait_until_healthy(base, timeout)
    status, meta = call("GET", f"{base}/metadata")
    if status != 200 or not isinstance(meta, dict):
        raise TabmlError(f"{base}/metadata: HTTP {status}")
    version = str(meta.get("model_version"))
    if version != health.get("model_version"):
        raise TabmlError(f"{base}: /health and /metadata name different model versions")
    if expect_version is not None and version != expect_version:
        raise TabmlError(f"{base}/metadata: serves model version {version}, not {expect_version}")
    columns = [*meta.get("features", []), *meta.get("optional", [])]
    unknown = [c for c in columns if c not in contract.columns]
    if not columns or unknown:
        raise TabmlError(f"{base}/metadata: its features do not match {params.data.contract}")
    records = sample_records(params, contract, columns, count, root)
    status, answer = call("POST", f"{base}/predict", {"records": records})
    if status != 200 or not isinstance(answer, dict):
        raise TabmlError(f"{base}/predict: HTTP {status} for {len(records)} valid records")
    predictions = answer.get("predictions") or []
    if len(predictions) != len(records):
        raise TabmlError(
            f"{base}/predict: {len(predictions)} predictions for {len(records)} records"
        )
    scores = check_predictions(f"{base}/predict", meta, params.data.task, predictions)
    broken = {k: v for k, v in records[0].items() if k != meta["features"][0]}
    status, _ = call("POST", f"{base}/predict", {"records": [broken]})
    if status != 422:
        raise TabmlError(
            f"{base}/predict: a record without '{meta['features'][0]}' got HTTP {status}, not 422"
        )
    return SmokeReport(url=base, model_version=version, records=len(records), scores=scores)
