"""The FastAPI app: GET /health, GET /metadata, POST /predict and, when enabled, GET /metrics.

`create_app(settings)` does all the slow and fallible work once, before the first request: it
verifies and loads the model, builds the request model from the data contract (a release's own
`contract.yaml`, else params' `data.contract`), warms the model up on an example record and
opens the request log. Any problem is one `TabmlError` sentence.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from tabml.config import Params
from tabml.contract import load_contract
from tabml.errors import TabmlError
from tabml.serve.guard import (
    BodyLimitMiddleware,
    check_body_limit,
    error_response,
    is_json,
    unsupported_media_type,
)
from tabml.serve.logs import RequestLog, format_lines, utc_now
from tabml.serve.metrics import MetricsMiddleware, ServeMetrics
from tabml.serve.model import load_served_model
from tabml.serve.schemas import (
    ErrorResponse,
    Health,
    Metadata,
    PredictResponse,
    build_record_schema,
    build_request_model,
    class_labels,
    example_record,
)
from tabml.serve.scoring import Scorer
from tabml.serve.tasks import Answers, check_task, class_names

ENDPOINTS = ("/health", "/metadata", "/predict", "/metrics")


@dataclass(frozen=True)
class Settings:
    """What to serve and how: the model file or release directory, and the validated params."""

    model: Path
    params: Params
    checksums: Path | None = None


def _inline_schema(model: type[Any]) -> dict[str, Any]:
    """The request's JSON schema with its `$defs` inlined, for the OpenAPI document."""
    schema: dict[str, Any] = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


@dataclass(frozen=True)
class Service:
    """Everything the routes need, built once at startup."""

    metadata: Metadata
    request_model: type[BaseModel]
    scorer: Scorer
    answers: Answers
    request_log: RequestLog | None
    metrics: ServeMetrics | None

    @property
    def version(self) -> str:
        """The served model's version."""
        return self.metadata.model_version

    async def predict(self, body: bytes) -> Response:
        """Validate a request body, score its records, log them and answer."""
        try:
            request = self.request_model.model_validate_json(body)
        except ValidationError as exc:
            return error_response(exc.errors())
        records = request.records  # type: ignore[attr-defined]
        outputs = await self.scorer.score(records)
        predictions = self.answers.answers(outputs)
        request_id = uuid4().hex
        if self.request_log is not None:
            inputs = [r.model_dump_json(by_alias=True, exclude_unset=True) for r in records]
            self.request_log.write(
                format_lines(
                    request_id=request_id,
                    model_version=self.version,
                    inputs_json=inputs,
                    outputs=predictions,
                    timestamp=utc_now(),
                )
            )
        if self.metrics is not None:
            self.metrics.observe_predictions(predictions)
        content = {
            "request_id": request_id,
            "model_version": self.version,
            "predictions": predictions,
        }
        return Response(json.dumps(content), media_type="application/json")


def build_service(settings: Settings) -> Service:
    """Verify and load the model, build the request model, warm up, open the request log."""
    params = settings.params
    serve = params.serve
    served = load_served_model(settings.model, settings.checksums, params.data.path)
    contract_file = served.contract or params.data.contract  # a release brings its own
    contract = load_contract(contract_file)
    schema = build_record_schema(contract, params.data)
    task = params.data.task
    check_task(served.estimator, task, served.path)
    scorer = Scorer(
        served.estimator, schema.features, contract, serve.micro_batch, serve.max_batch, task=task
    )
    example_row = example_record(contract, list(schema.features))
    check_body_limit(example_row, serve.max_batch, serve.max_body_bytes)
    example = schema.model.model_validate(example_row)
    try:
        scorer.score_now([example])
    except Exception as error:
        first_line = (str(error).strip().splitlines() or [""])[0]
        raise TabmlError(
            f"{served.path}: the model cannot score the columns of {contract_file} "
            f"({type(error).__name__}: {first_line})"
        ) from None
    binary = task == "binary"
    positive: str | int | None = None
    negative: str | int | None = None
    if binary:
        positive, negative = class_labels(contract, params.data)
        answers = Answers(task, [], params.evaluate.threshold, positive, negative)
    else:
        multiclass = task == "multiclass"
        classes = class_names(served.estimator, contract, params.data) if multiclass else []
        answers = Answers(task, classes)
    metadata = Metadata(
        model_version=served.version,
        model_sha256=served.sha256,
        source=served.source,
        git_sha=served.provenance.git_sha,
        data_hash=served.provenance.data_hash,
        metrics=served.provenance.metrics,
        task=task,
        classes=[str(negative), str(positive)] if binary else answers.classes or None,
        threshold=params.evaluate.threshold if binary else None,
        positive_label=positive,
        negative_label=negative,
        features=list(schema.features),
        optional=list(schema.optional),
        max_batch=serve.max_batch,
        scoring=scorer.fast_path,
    )
    log = serve.request_log
    return Service(
        metadata=metadata,
        request_model=build_request_model(schema.model, serve.max_batch),
        scorer=scorer,
        answers=answers,
        request_log=RequestLog(log.path, log.max_bytes, log.backups) if log.enabled else None,
        metrics=ServeMetrics(ENDPOINTS, task) if serve.prometheus else None,
    )


def create_app(settings: Settings) -> FastAPI:
    """Build the app; raises `TabmlError` if the model cannot be verified, loaded or used."""
    service = build_service(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logging.getLogger("uvicorn.error").info("Scoring: %s", service.scorer.fast_path)
        # What is loaded by now (model, libraries) lives as long as the server: keep it out of
        # the collector's full passes, which otherwise stall the loop ~100 ms (bench/serve.py).
        gc.collect()
        gc.freeze()
        service.scorer.start()
        try:
            yield
        finally:
            await service.scorer.stop()
            if service.request_log is not None:
                service.request_log.close()

    app = FastAPI(
        title="tabml model server",
        version=service.version,
        lifespan=lifespan,
        description="Scores records that follow the data contract (docs/serving.md).",
    )

    async def validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(list(exc.errors()))

    app.add_exception_handler(RequestValidationError, validation_error)
    health_body = {"status": "ok", "model_version": service.version}
    metadata_body = service.metadata.model_dump(mode="json")

    @app.get("/health", response_model=Health)
    async def health() -> dict[str, str]:
        """The server is up and its model is loaded."""
        return health_body

    @app.get("/metadata", response_model=Metadata)
    async def get_metadata() -> dict[str, Any]:
        """Model version, checksum, git SHA, training data hash, metrics and serving settings."""
        return metadata_body

    @app.post(
        "/predict",
        response_model=PredictResponse,
        responses={
            413: {"model": ErrorResponse, "description": "The body is over serve.max_body_bytes"},
            415: {"model": ErrorResponse, "description": "The body is not application/json"},
            422: {"model": ErrorResponse, "description": "The request breaks the contract"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _inline_schema(service.request_model)}},
            }
        },
    )
    async def predict(request: Request) -> Response:
        """Score a batch of records: binary, a score and the label at the threshold each;
        multiclass, a label and each class's probability; regression, a prediction."""
        if not is_json(request.headers.get("content-type")):
            return unsupported_media_type()  # decided on the header: the body is never read
        return await service.predict(await request.body())

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.params.serve.max_body_bytes)
    metrics = service.metrics
    if metrics is not None:  # added last, so it is outermost and counts the 413s too
        app.add_middleware(MetricsMiddleware, metrics=metrics)

        @app.get("/metrics", include_in_schema=False)
        async def get_metrics() -> Response:
            """Prometheus text exposition."""
            body, content_type = metrics.exposition()
            return Response(body, media_type=content_type)

    return app


def serve(settings: Settings, host: str, port: int) -> None:
    """Build the app and run it under uvicorn until interrupted."""
    import uvicorn

    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
