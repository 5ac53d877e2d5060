"""The operational sections of `params.yaml`: serving, monitoring and continuous training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from tabml import metrics as registry
from tabml.config.sections import Probability, _refuse_unknown_metrics, _Section


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
    min_rows: Annotated[int, Field(ge=1)] = 200
    # Left out of params.yaml, it follows data.task (`Params` fills it).
    performance_drop: dict[str, Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=lambda: dict(registry.TASK_DEFAULTS["binary"].performance_drop)
    )

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
