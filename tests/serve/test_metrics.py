"""The optional Prometheus endpoint: counts and histograms when on, absent when off."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tabml.config import ServeParams
from tests.serve.servers import RELEASE_THRESHOLD, Server, as_records


def samples(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of GET /metrics, keyed by name and sorted labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    data: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return data.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_latency_predictions_and_scores(
    client: httpx.Client, test_rows: pd.DataFrame
) -> None:
    before = samples(client)
    body = client.post("/predict", json={"records": as_records(test_rows.iloc[:7])}).json()
    assert client.post("/predict", json={"records": []}).status_code == 422
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"path": "/predict", "method": "POST"}
    assert delta("tabml_requests_total", **ok, status="200") == 1
    assert delta("tabml_requests_total", **ok, status="422") == 1
    assert delta("tabml_request_latency_seconds_count", path="/predict") == 2
    assert delta("tabml_request_latency_seconds_sum", path="/predict") > 0
    scores = [p["score"] for p in body["predictions"]]
    positives = sum(score >= RELEASE_THRESHOLD for score in scores)
    assert delta("tabml_predictions_total", label=">50K") == positives
    assert delta("tabml_predictions_total", label="<=50K") == 7 - positives
    assert delta("tabml_prediction_score_count") == 7
    assert delta("tabml_prediction_score_sum") == pytest.approx(sum(scores))
    below_half = sum(score <= 0.5 for score in scores)
    assert delta("tabml_prediction_score_bucket", le="0.5") == below_half


def test_unknown_paths_are_counted_together(client: httpx.Client) -> None:
    before = value(
        samples(client), "tabml_requests_total", path="other", method="GET", status="404"
    )
    client.get("/no/such/page")
    after = value(samples(client), "tabml_requests_total", path="other", method="GET", status="404")
    assert after - before == 1


def test_metrics_are_off_by_default(plain_server: Server) -> None:
    """The plain server runs the project's params.yaml serve section, where metrics are off."""
    assert plain_server.params["serve"]["prometheus"] is False
    assert ServeParams().prometheus is False
    assert httpx.get(f"{plain_server.url}/metrics").status_code == 404
