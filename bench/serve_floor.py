"""The serving benchmark's floor: the model's own `predict_proba` in this process, on frames
already built, the rate the server is compared against; and the held-out rows it scores."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from measure import ROOT
from tabml import io
from tabml.config import load_params
from tabml.contract import load_contract
from tabml.serve.schemas import model_columns

FLOOR_ROUNDS = 3
Floor = tuple[int, int | None]  # (rows per call, OpenMP threads or None for the default)


def feature_frame(params_file: Path) -> pd.DataFrame:
    """The held-out rows, restricted to the columns a request carries (features only)."""
    params = load_params(params_file)
    features, _ = model_columns(load_contract(params.data.contract), params.data)
    return io.read_parquet(ROOT / "data/prepared/test.parquet")[features]


def floor(model: Any, frame: pd.DataFrame, rows: int, seconds: float, threads: int | None) -> float:
    """Rows per second of `predict_proba` on `rows`-row frames, in this process."""
    with ThreadpoolController().limit(limits=threads, user_api="openmp"):
        return _floor(model, frame, rows, seconds)


def _floor(model: Any, frame: pd.DataFrame, rows: int, seconds: float) -> float:
    chunks = [frame.iloc[i : i + rows] for i in range(0, min(len(frame), 200 * rows), rows)]
    model.predict_proba(chunks[0])
    calls = 0
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        model.predict_proba(chunks[calls % len(chunks)])
        calls += 1
    return calls * rows / elapsed


def measure_floors(model: Any, frame: pd.DataFrame, seconds: float) -> dict[Floor, float]:
    """Median rows/s over interleaved rounds of each (rows, threads) setting, `seconds` each."""
    samples: dict[Floor, list[float]] = {}
    for _ in range(FLOOR_ROUNDS):
        for rows in (1, 100):
            for threads in (None, 1):
                rate = floor(model, frame, rows, seconds / FLOOR_ROUNDS, threads)
                samples.setdefault((rows, threads), []).append(rate)
    return {key: statistics.median(rates) for key, rates in samples.items()}
