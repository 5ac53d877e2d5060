"""Typed, validated view of `params.yaml`, loaded once at the edge.

Every model is frozen and forbids unknown keys, so a typo is an error rather than a silent default.
The sections live in `sections` (the pipeline's) and `operations` (serving, monitoring, retrain);
`Params` ties them together and checks what depends on `data.task`.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError, model_validator
from pydantic_core import ErrorDetails

from tabml import metrics as registry
from tabml.config.operations import MonitorParams, RequestLogParams, RetrainParams, ServeParams
from tabml.config.sections import (
    LINEAR_MODEL,
    BootstrapParams,
    DataParams,
    EvaluateParams,
    FeaturizeParams,
    GateParams,
    HistGradientBoostingParams,
    LogisticRegressionParams,
    Model,
    Probability,
    ReportParams,
    RidgeParams,
    SplitParams,
    TrainParams,
    _Section,
)
from tabml.errors import TabmlError, first_problem, shown

__all__ = [
    "LINEAR_MODEL",
    "BootstrapParams",
    "DataParams",
    "EvaluateParams",
    "FeaturizeParams",
    "GateParams",
    "HistGradientBoostingParams",
    "LogisticRegressionParams",
    "Model",
    "MonitorParams",
    "Params",
    "Probability",
    "ReportParams",
    "RequestLogParams",
    "RetrainParams",
    "RidgeParams",
    "ServeParams",
    "SplitParams",
    "TrainParams",
    "load_params",
    "parse_params",
]


class Params(_Section):
    """The whole of `params.yaml`."""

    data: DataParams
    split: SplitParams = SplitParams()
    featurize: FeaturizeParams = FeaturizeParams()
    train: TrainParams = TrainParams()
    evaluate: EvaluateParams = EvaluateParams()
    report: ReportParams = ReportParams()
    serve: ServeParams = ServeParams()
    monitor: MonitorParams = MonitorParams()
    retrain: RetrainParams = RetrainParams()

    @model_validator(mode="before")
    @classmethod
    def _task_defaults(cls, raw: object) -> object:
        """Fill the task-dependent keys that params.yaml leaves out from `data.task`."""
        if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
            return raw
        task = raw["data"].get("task", "binary")
        if task not in registry.TASKS:
            return raw  # the field's own validation names the key
        defaults = registry.TASK_DEFAULTS[task]
        filled = dict(raw)
        for section, key, value in (
            ("report", "headline", defaults.headline),
            ("report", "metrics", list(registry.names(task))),
            ("monitor", "performance_drop", dict(defaults.performance_drop)),
        ):
            given = filled.get(section, {})
            if isinstance(given, dict) and key not in given:
                filled[section] = {**given, key: value}
        return filled

    @model_validator(mode="after")
    def _native_needs_trees(self) -> Params:
        if self.featurize.categorical == "native" and self.train.model != "hist_gradient_boosting":
            raise ValueError(
                "featurize.categorical 'native' needs train.model 'hist_gradient_boosting'; "
                "use 'onehot' for linear models"
            )
        return self

    @model_validator(mode="after")
    def _fits_the_task(self) -> Params:
        task = self.data.task
        if task == "binary" and self.data.positive_label is None:
            raise ValueError("data.positive_label is missing: data.task 'binary' needs it")
        if task != "binary" and self.data.positive_label is not None:
            raise ValueError(f"data.positive_label is set, but data.task '{task}' has none")
        if self.train.model not in ("hist_gradient_boosting", LINEAR_MODEL[task]):
            raise ValueError(
                f"train.model '{self.train.model}' does not fit data.task '{task}'; use "
                f"'hist_gradient_boosting' or '{LINEAR_MODEL[task]}'"
            )
        gate = self.report.gate
        named = {
            "report.headline": [self.report.headline],
            "report.metrics": self.report.metrics,
            "report.gate.beat_baseline": list(gate.beat_baseline or []),
            "report.gate.floors": list(gate.floors),
            "report.gate.max_regression": list(gate.max_regression or {}),
            "report.gate.max_slice_regression": list(gate.max_slice_regression),
            "monitor.performance_drop": list(self.monitor.performance_drop),
        }
        for key, names in named.items():
            for name in names:
                if task not in registry.get(name).tasks:
                    raise ValueError(
                        f"{key} names '{name}', which does not apply to data.task '{task}'"
                    )
        return self


def _describe(error: ErrorDetails) -> str:
    """One readable phrase for one pydantic error, naming the dotted key."""
    dotted = ".".join(str(part) for part in error["loc"])
    key, kind = shown(dotted), error["type"]  # a key is echoed like a value: quoted, capped
    if kind == "extra_forbidden":
        return f"unknown key {key}"
    if kind == "missing":
        return f"missing key {key}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "value_error" or not dotted:
        return message  # our validators name their keys themselves
    return f"key {key} {message[0].lower()}{message[1:]} (got {shown(error.get('input'))})"


def parse_params(raw: object, source: str = "params.yaml") -> Params:
    """Validate an already-parsed mapping; raise `TabmlError` naming the first bad key."""
    if not isinstance(raw, dict):
        raise TabmlError(f"{source}: expected a mapping of sections at the top level")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        raise TabmlError(f"{source}: {first_problem(problems)}") from None


def load_params(path: Path = Path("params.yaml")) -> Params:
    """Read and validate `params.yaml`; every problem is one `TabmlError` sentence."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TabmlError(f"{path}: file not found") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise TabmlError(f"{path}: not valid YAML{where}") from None
    if raw is None:
        raise TabmlError(f"{path}: file is empty")
    return parse_params(raw, str(path))
