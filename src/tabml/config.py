"""Typed, validated view of `params.yaml`, loaded once at the edge.

Every model is frozen and forbids unknown keys, so a typo is an error rather than a silent default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from tabml import metrics as registry
from tabml.errors import TabmlError, first_problem, shown

Probability = Annotated[float, Field(gt=0.0, lt=1.0)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DataParams(_Section):
    """Which table to learn from and what its columns mean."""

    path: Path
    contract: Path
    target: str = Field(min_length=1)
    positive_label: str | int
    na_values: list[str] = ["?"]
    id_column: str | None = None
    drop: list[str] = []
    groups: list[str] = []


class SplitParams(_Section):
    """The stratified, seeded train/test split."""

    test_size: Probability = 0.2
    seed: int = 42


class FeaturizeParams(_Section):
    """How raw columns become model inputs."""

    categorical: Literal["onehot", "native"] = "onehot"
    numeric_imputer: Literal["median", "mean"] = "median"
    scale_numeric: bool = True
    min_frequency: Annotated[int, Field(ge=1)] | None = None


class LogisticRegressionParams(_Section):
    """Hyperparameters of `sklearn.linear_model.LogisticRegression`."""

    C: Annotated[float, Field(gt=0.0)] = 1.0
    max_iter: Annotated[int, Field(ge=1)] = 1000
    class_weight: Literal["balanced"] | None = None


class HistGradientBoostingParams(_Section):
    """Hyperparameters of `sklearn.ensemble.HistGradientBoostingClassifier`."""

    learning_rate: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    max_iter: Annotated[int, Field(ge=1)] = 200
    max_leaf_nodes: Annotated[int, Field(ge=2)] = 31
    min_samples_leaf: Annotated[int, Field(ge=1)] = 20
    l2_regularization: Annotated[float, Field(ge=0.0)] = 0.0
    early_stopping: bool = False


class TrainParams(_Section):
    """Which estimator to fit, with its seed and hyperparameters."""

    model: Literal["logistic_regression", "hist_gradient_boosting"] = "hist_gradient_boosting"
    seed: int = 42
    threads: Annotated[int, Field(ge=1, le=256)] = 1  # the model's bytes depend on it
    logistic_regression: LogisticRegressionParams = LogisticRegressionParams()
    hist_gradient_boosting: HistGradientBoostingParams = HistGradientBoostingParams()


class EvaluateParams(_Section):
    """How the held-out split is scored and plotted."""

    threshold: Probability = 0.5
    calibration_bins: Annotated[int, Field(ge=2, le=100)] = 10
    curve_points: Annotated[int, Field(ge=10, le=1000)] = 101
    importance_repeats: Annotated[int, Field(ge=1, le=50)] = 5
    importance_max_rows: Annotated[int, Field(ge=100)] = 2000


class BootstrapParams(_Section):
    """The seeded bootstrap behind every confidence interval in reports."""

    samples: Annotated[int, Field(ge=100, le=100_000)] = 1000
    confidence: Probability = 0.95
    seed: int = 0


class GateParams(_Section):
    """The quality gate a pull request must pass; the defaults hold for any table.

    `beat_baseline`: metrics on which the PR must beat the trivial baseline significantly
    (null: the headline; `[]`: off). `max_regression`: the largest drop against the base, applied
    only when the drop is significant (null: the headline with no tolerance; `{}`: off).
    `floors`: opt-in absolute limits, none by default (a floor is a fact about one data set).
    `max_slice_regression`: the same per slice of `data.groups`, for slices with at least
    `min_slice_rows` rows. Metric names are those of `tabml.metrics`, which says which way each
    is better (a floor is a ceiling for a loss such as `log_loss`).
    """

    beat_baseline: list[str] | None = None
    floors: dict[str, float] = {}
    max_regression: dict[str, Annotated[float, Field(ge=0.0)]] | None = None
    max_slice_regression: dict[str, Annotated[float, Field(ge=0.0)]] = {}
    min_slice_rows: Annotated[int, Field(ge=1)] = 100
    fail_on_stale_lock: bool = True


def _refuse_unknown_metrics(named: dict[str, list[str]]) -> None:
    """Refuse a metric name that `tabml.metrics` does not register, naming the key."""
    for key, names in named.items():
        for name in names:
            try:
                registry.get(name)
            except ValueError as error:
                raise ValueError(f"{key} names {error}") from None


class ReportParams(_Section):
    """The pull-request report: headline metric, bootstrap and gate."""

    headline: str = "roc_auc"
    metrics: list[str] = list(registry.names())
    bootstrap: BootstrapParams = BootstrapParams()
    gate: GateParams = GateParams()

    @model_validator(mode="after")
    def _known_metrics(self) -> ReportParams:
        named = {
            "report.metrics": self.metrics,
            "report.headline": [self.headline],
            "report.gate.beat_baseline": list(self.gate.beat_baseline or []),
            "report.gate.floors": list(self.gate.floors),
            "report.gate.max_regression": list(self.gate.max_regression or {}),
            "report.gate.max_slice_regression": list(self.gate.max_slice_regression),
        }
        _refuse_unknown_metrics(named)
        for key, names in list(named.items())[1:]:
            for name in names:
                if name not in self.metrics:
                    raise ValueError(f"{key} names '{name}', which report.metrics leaves out")
        return self


class RequestLogParams(_Section):
    """The server's JSON-lines request log, rotated by size (docs/serving.md)."""

    enabled: bool = True
    path: Path = Path("logs/requests.jsonl")
    max_bytes: Annotated[int, Field(ge=1024)] = 10_000_000
    backups: Annotated[int, Field(ge=1)] = 5


class ServeParams(_Section):
    """The model server (`tabml serve`)."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    max_batch: Annotated[int, Field(ge=1)] = 1000
    max_body_bytes: Annotated[int, Field(ge=1)] = 4_000_000  # 413 above; docs/serving.md
    micro_batch: bool = True
    request_log: RequestLogParams = RequestLogParams()
    prometheus: bool = False


class MonitorParams(_Section):
    """Drift monitoring thresholds (`tabml monitor`); docs/monitoring.md explains the defaults.

    A column drifts when its PSI (on `bins` reference quantile bins, or over categories) reaches
    `psi_threshold` AND its test is significant (KS p-value below `ks_pvalue` for numbers,
    chi-square below `chi2_pvalue` for categories): both the size of the shift and the evidence
    for it. The scores drift on the same rule with `score_psi_threshold`. `performance_drop`:
    the largest allowed drop per metric against reports/metrics.json (a rise for a loss).
    """

    psi_threshold: Annotated[float, Field(gt=0.0)] = 0.2
    bins: Annotated[int, Field(ge=2, le=100)] = 10
    ks_pvalue: Probability = 0.01
    chi2_pvalue: Probability = 0.01
    new_category_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.01
    missing_rate_change: Annotated[float, Field(gt=0.0, le=1.0)] = 0.05
    score_psi_threshold: Annotated[float, Field(gt=0.0)] = 0.1
    min_rows: Annotated[int, Field(ge=1)] = 500
    performance_drop: dict[str, Annotated[float, Field(ge=0.0)]] = {"roc_auc": 0.05, "f1": 0.1}

    @model_validator(mode="after")
    def _known_metrics(self) -> MonitorParams:
        _refuse_unknown_metrics({"monitor.performance_drop": list(self.performance_drop)})
        return self


class RetrainParams(_Section):
    """Continuous training (`make retrain`); docs/continuous-training.md explains each key.

    Each retrain rebuilds `table` from `base` (none when null) plus the batch CSVs in `incoming`:
    every batch (`cumulative`) or the newest `window_batches` (`window`). A batch row whose
    `data.id_column` value is already in the table replaces that row (a refresh); other rows are
    appended. The table is committed on `branch` only, with `data.path` pointing at it there, and
    compared with `main`; raw data is never written.
    """

    incoming: Path = Path("data/incoming")
    base: Path | None = None
    mode: Literal["cumulative", "window"] = "cumulative"
    window_batches: Annotated[int, Field(ge=1)] = 4
    table: Path = Path("data/train/train.csv")
    branch: str = Field(default="retrain/auto", pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    main: str = Field(default="main", min_length=1)
    label: str = Field(default="retrain", min_length=1)

    @model_validator(mode="after")
    def _table_is_derived(self) -> RetrainParams:
        if self.table.parts[:2] == ("data", "raw"):
            raise ValueError(
                f"retrain.table '{self.table}' is under data/raw/, which is never written; "
                "use a derived path such as data/train/"
            )
        if self.table == self.base:
            raise ValueError("retrain.table must differ from retrain.base (the base is read only)")
        return self


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

    @model_validator(mode="after")
    def _native_needs_trees(self) -> Params:
        if self.featurize.categorical == "native" and self.train.model != "hist_gradient_boosting":
            raise ValueError(
                "featurize.categorical 'native' needs train.model 'hist_gradient_boosting'; "
                "use 'onehot' for linear models"
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
