"""Request and response models. The request model is built from the data contract at startup,
so the server refuses exactly what the pipeline would refuse, naming the field and the reason."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from tabml.config import DataParams
from tabml.contract import ColumnSpec, Contract
from tabml.errors import TabmlError
from tabml.metrics import Task

_STRICT = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class RecordSchema:
    """The pydantic model of one record and what its fields mean.

    Fields are named `f0`, `f1`, ... (column names such as `marital-status` are not identifiers)
    with the contract's column name as alias, so errors and logs use the column names.
    """

    model: type[BaseModel]
    features: dict[str, str]  # column -> field name: what the model is fed, in contract order
    optional: dict[str, str]  # column -> field name: group columns, validated and logged only


def _annotation(spec: ColumnSpec) -> Any:
    """The python type of one contract column, with its rules as pydantic constraints."""
    kind: Any
    if spec.type == "category":
        text = Annotated[str, Field(strict=True)]
        kind = Literal[tuple(spec.categories)] if spec.categories else text
    else:
        number = int if spec.type == "integer" else float
        kind = Annotated[number, Field(strict=True, allow_inf_nan=False, ge=spec.min, le=spec.max)]
    return kind | None if spec.nullable else kind


def model_columns(contract: Contract, data: DataParams) -> tuple[list[str], list[str]]:
    """Columns a request carries: the model's features, and the optional group columns."""
    excluded = {data.target, data.id_column, *data.drop, *data.groups}
    features = [name for name in contract.columns if name not in excluded]
    groups = [name for name in data.groups if name in contract.columns]
    if not features:
        raise TabmlError(f"{data.contract}: no feature columns left after target, id and drop")
    return features, groups


def build_record_schema(contract: Contract, data: DataParams) -> RecordSchema:
    """One record: every feature is required (null only where the contract allows it)."""
    features, groups = model_columns(contract, data)
    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    for index, column in enumerate(features + groups):
        name = names[column] = f"f{index}"
        spec = contract.columns[column]
        default = None if column in groups else ...
        fields[name] = (_annotation(spec), Field(default, alias=column))
    model = create_model("Record", __config__=_STRICT, **fields)
    return RecordSchema(
        model=model,
        features={column: names[column] for column in features},
        optional={column: names[column] for column in groups},
    )


def example_record(contract: Contract, columns: Sequence[str]) -> dict[str, Any]:
    """A valid record: the first category or the lowest allowed number of each column."""
    example: dict[str, Any] = {}
    for column in columns:
        spec = contract.columns[column]
        if spec.type == "category":
            example[column] = spec.categories[0] if spec.categories else "example"
        else:
            low = spec.min if spec.min is not None else min(0, spec.max or 0)
            example[column] = math.ceil(low) if spec.type == "integer" else float(low)
    return example


def class_labels(contract: Contract, data: DataParams) -> tuple[str | int, str | int]:
    """The positive label from params and the negative one: the target's other category."""
    positive = data.positive
    spec = contract.columns.get(data.target)
    if spec is not None and spec.categories is not None:
        others = [value for value in spec.categories if value != str(positive)]
        if len(others) == 1:
            return positive, others[0]
    if spec is not None and spec.type == "integer" and positive in (0, 1):
        return positive, 1 - int(positive)
    return positive, f"not {positive}"


def build_request_model(record: type[BaseModel], max_batch: int) -> type[BaseModel]:
    """The body of POST /predict: a non-empty batch of at most `max_batch` records."""
    return create_model(
        "PredictRequest",
        __config__=_STRICT,
        records=(list[record], Field(min_length=1, max_length=max_batch)),  # type: ignore[valid-type]
    )


class Prediction(BaseModel):
    """binary: the model's score for one record and the label at the serving threshold."""

    score: float
    label: str | int


class ClassPrediction(BaseModel):
    """multiclass: the most probable class and each class's probability."""

    label: str
    probabilities: dict[str, float]


class ValuePrediction(BaseModel):
    """regression: the predicted value."""

    prediction: float


class PredictResponse(BaseModel):
    """Predictions in the order of the request's records, in the served task's shape."""

    request_id: str
    model_version: str
    predictions: list[Prediction] | list[ClassPrediction] | list[ValuePrediction]


class Health(BaseModel):
    """GET /health."""

    status: Literal["ok"]
    model_version: str


class Metadata(BaseModel):
    """GET /metadata: what is being served and where it came from (null when unknown)."""

    model_version: str
    model_sha256: str
    source: Literal["release", "working tree"]
    git_sha: str | None
    data_hash: str | None
    metrics: dict[str, Any] | None
    task: Task
    classes: list[str] | None  # classification: the class names (binary: negative, positive)
    threshold: float | None  # binary only, like the two labels
    positive_label: str | int | None
    negative_label: str | int | None
    features: list[str]
    optional: list[str]
    max_batch: int
    scoring: str  # which batches the fast path scores, or why the pipeline scores them all


class FieldError(BaseModel):
    """One reason a request was refused; `input` is the offending value, cut when it is long."""

    field: str
    reason: str
    type: str
    input: Any = None


class ErrorResponse(BaseModel):
    """The body of every 413, 415 and 422: each problem names its field and reason."""

    detail: list[FieldError]
