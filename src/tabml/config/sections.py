"""The pipeline's sections of `params.yaml`: data, split, featurize, train, evaluate, report.

Every model is frozen and forbids unknown keys, so a typo is an error rather than a silent default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tabml import metrics as registry

Probability = Annotated[float, Field(gt=0.0, lt=1.0)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DataParams(_Section):
    """Which table to learn from and what its columns mean."""

    path: Path
    contract: Path
    target: str = Field(min_length=1)
    task: registry.Task = "binary"
    positive_label: str | int | None = None  # binary only: the value that counts as positive
    na_values: list[str] = ["?"]
    id_column: str | None = None
    drop: list[str] = []
    groups: list[str] = []

    @property
    def positive(self) -> str | int:
        """The positive label of a binary task (`Params` makes sure a binary task has one)."""
        if self.positive_label is None:
            raise ValueError(f"data.task '{self.task}' has no positive label")
        return self.positive_label


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
    max_iter: Annotated[int, Field(ge=1)] = 100  # scikit-learn's default
    max_leaf_nodes: Annotated[int, Field(ge=2)] = 31
    min_samples_leaf: Annotated[int, Field(ge=1)] = 20
    l2_regularization: Annotated[float, Field(ge=0.0)] = 0.0
    early_stopping: bool = False


class RidgeParams(_Section):
    """Hyperparameters of `sklearn.linear_model.Ridge` (the linear model for regression)."""

    alpha: Annotated[float, Field(ge=0.0)] = 1.0


Model = Literal["hist_gradient_boosting", "logistic_regression", "ridge"]
# The linear model of each task; gradient boosting fits every task (classifier or regressor).
LINEAR_MODEL: dict[registry.Task, Model] = {
    "binary": "logistic_regression",
    "multiclass": "logistic_regression",
    "regression": "ridge",
}


class TrainParams(_Section):
    """Which estimator to fit, with its seed and hyperparameters."""

    model: Model = "hist_gradient_boosting"
    seed: int = 42
    threads: Annotated[int, Field(ge=1, le=256)] = 1  # the model's bytes depend on it
    logistic_regression: LogisticRegressionParams = LogisticRegressionParams()
    hist_gradient_boosting: HistGradientBoostingParams = HistGradientBoostingParams()
    ridge: RidgeParams = RidgeParams()


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
    # Past this many test rows, resamples come from a seeded subsample and the interval is
    # rescaled to all rows (compare/bootstrap.py): time and memory stay bounded at any size.
    max_rows: Annotated[int, Field(ge=1000)] = 20_000


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
    """The pull-request report: headline metric, bootstrap and gate.

    Left out of params.yaml, `headline` and `metrics` follow `data.task` (`Params` fills them).
    """

    headline: str = registry.TASK_DEFAULTS["binary"].headline
    metrics: list[str] = list(registry.names("binary"))
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
