"""Optional Prometheus metrics (`serve.prometheus`): requests, latency, predictions, scores.

Per task: binary counts labels and observes each score; multiclass counts labels and observes
the probability of the predicted class; regression observes the predicted values in a summary
(count and sum: their scale is the target's, so fixed buckets would be a fact about one table).

Each app gets its own registry, so several apps in one process never clash. The middleware is
plain ASGI (no per-request task or body copy) and is only installed when metrics are on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Summary,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tabml.metrics import Task

SCORE_BUCKETS = tuple(round(0.1 * step, 1) for step in range(1, 11))
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServeMetrics:
    """The server's Prometheus collectors, in a registry of their own."""

    def __init__(self, paths: Sequence[str], task: Task = "binary") -> None:
        self.task = task
        self.registry = CollectorRegistry()
        self.known_paths = frozenset(paths)
        self.requests = Counter(
            "tabml_requests",
            "HTTP requests by path, method and status code.",
            ["path", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tabml_request_latency_seconds",
            "Time from request start to the end of the response, by path.",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "tabml_predictions",
            "Records scored, by predicted label.",
            ["label"],
            registry=self.registry,
        )
        self.scores = Histogram(
            "tabml_prediction_score",
            "Distribution of the model's scores (multiclass: the predicted class's probability).",
            buckets=SCORE_BUCKETS,
            registry=self.registry,
        )
        self.values = Summary(
            "tabml_prediction_value",
            "Predicted values (regression): their count and sum.",
            registry=self.registry,
        )

    def observe_predictions(self, answers: Sequence[Mapping[str, Any]]) -> None:
        """Count one request's predictions and observe their scores or values."""
        if self.task == "regression":
            for answer in answers:
                self.values.observe(answer["prediction"])
            return
        labels = [answer["label"] for answer in answers]
        for answer in answers:
            probabilities = answer.get("probabilities")
            score = probabilities[answer["label"]] if probabilities else answer["score"]
            self.scores.observe(score)
        for label in set(labels):
            self.predictions.labels(label=str(label)).inc(labels.count(label))

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus' text format, with its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts requests and times them; unknown paths are counted as 'other'."""

    def __init__(self, app: ASGIApp, metrics: ServeMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = scope["path"] if scope["path"] in self.metrics.known_paths else "other"
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            self.metrics.requests.labels(path, scope["method"], str(status)).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - start)
