"""The serving fast path against the pipeline, for `bench/serve.py` (issue 12.5).

In this process: `Scorer.score_now` on validated records, through the pipeline (a DataFrame, the
ColumnTransformer, `predict_proba`, as the server scored every batch before the fast path) and
through the fast path, for batches of 1 to 256 rows, in interleaved rounds. Over HTTP,
`bench/serve.py` runs the same single-row load against the default server and against one whose
fast path is turned off (`PIPELINE_ONLY_SERVER`). The markdown section states each target as met
or not, with the ratio to the pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tabml.config import load_params
from tabml.contract import load_contract
from tabml.serve.fastpath import FAST_MAX_ROWS
from tabml.serve.schemas import build_record_schema
from tabml.serve.scoring import Scorer

START_MARK = "<!-- bench:serve-fastpath:start -->"
END_MARK = "<!-- bench:serve-fastpath:end -->"
SIZES = (1, 16, 64, 128, 256, 512)
WAYS = ("predict_proba", "pipeline", "fast")
ROUNDS = 3
# Targets (issue 12.5).
MAX_SCORE_MS = 1.0  # in-process single-row scoring
MAX_P50_MS = 3.0  # HTTP, single-row requests, concurrency 1
MAX_P99_MS = 20.0  # HTTP, single-row requests, concurrency 16
# `tabml serve` with the fast path turned off: the server as it was before it.
PIPELINE_ONLY_SERVER = (
    "import sys; from tabml.serve.scoring import Scorer; "
    "Scorer.__init__.__kwdefaults__['fast_max_rows'] = 0; "
    "from tabml.cli import app; app(sys.argv[1:], prog_name='tabml')"
)


@dataclass(frozen=True)
class InProcess:
    """Milliseconds per `score_now` call on batches of `rows` rows, each way."""

    rows: int
    predict_proba_ms: float  # the pipeline's `predict_proba` alone, on a frame already built
    pipeline_ms: float
    fast_ms: float

    @property
    def ratio(self) -> float:
        """How many times faster the fast path is."""
        return self.pipeline_ms / self.fast_ms


@dataclass(frozen=True)
class Http:
    """Single-row latencies over HTTP (ms): p50 at concurrency 1, p99 at concurrency 16."""

    p50_c1: float
    p99_c16: float


def scorers(model: Any, params_file: Path, frame: pd.DataFrame) -> tuple[Scorer, Scorer, list[Any]]:
    """A pipeline-only scorer, a fast-path-only one, and the held-out rows as records."""
    params = load_params(params_file)
    contract = load_contract(params.data.contract)
    schema = build_record_schema(contract, params.data)
    pipeline = Scorer(model, schema.features, contract, False, 10**6, fast_max_rows=0)
    fast = Scorer(model, schema.features, contract, False, 10**6, fast_max_rows=10**6)
    if fast.fast is None:
        raise RuntimeError(f"the model has no fast path: {fast.fast_path}")
    rows = json.loads(frame.to_json(orient="records"))  # as a request carries them
    records = [schema.model.model_validate(row) for row in rows]
    return pipeline, fast, records


def _ms_per_call(call: Callable[[int], object], seconds: float) -> float:
    """Mean ms of `call(i)` for i = 0, 1, ... over `seconds` (after one untimed call)."""
    call(0)
    calls = 0
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        call(calls)
        calls += 1
    return 1000 * elapsed / calls


def _ways(
    model: Any, paths: tuple[Scorer, Scorer], frames: list[pd.DataFrame], batches: list[Any]
) -> dict[str, Callable[[int], object]]:
    """The three ways to score batch i: `predict_proba` on a frame, the pipeline, the fast path."""
    pipeline, fast = paths
    return {
        "predict_proba": lambda i: model.predict_proba(frames[i % len(frames)]),
        "pipeline": lambda i: pipeline.score_now(batches[i % len(batches)]),
        "fast": lambda i: fast.score_now(batches[i % len(batches)]),
    }


def measure_in_process(
    model: Any, params_file: Path, frame: pd.DataFrame, seconds: float
) -> list[InProcess]:
    """Median ms per call over interleaved rounds, `seconds` per size and way in all."""
    pipeline, fast, records = scorers(model, params_file, frame)
    samples: dict[tuple[int, str], list[float]] = {}
    for _ in range(ROUNDS):
        for rows in SIZES:
            starts = range(0, min(len(records), 200 * rows), rows)
            batches = [records[i : i + rows] for i in starts]
            frames = [frame.iloc[i : i + rows] for i in starts]
            ways = _ways(model, (pipeline, fast), frames, batches)
            for way, call in ways.items():
                ms = _ms_per_call(call, seconds / ROUNDS)
                samples.setdefault((rows, way), []).append(ms)
    return [
        InProcess(rows, *(statistics.median(samples[rows, way]) for way in WAYS)) for rows in SIZES
    ]


def verdict(passed: bool) -> str:
    """A table cell for a target."""
    return "met" if passed else "**missed**"


def render(
    in_process: list[InProcess],
    http: dict[str, Http],
    load: tuple[float, float],
    seconds: float,
) -> str:
    """The markdown section: the targets, then the in-process timings by batch size."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    single = in_process[0]
    old, new = http["pipeline"], http["fast"]
    rows = [
        (
            f"in-process single-row scoring ≤ {MAX_SCORE_MS:g} ms",
            f"{single.pipeline_ms:.2f} ms ({single.predict_proba_ms:.2f} ms `predict_proba` alone)",
            f"{single.fast_ms:.3f} ms",
            f"{single.ratio:.0f}x",
            verdict(single.fast_ms <= MAX_SCORE_MS),
        ),
        (
            f"HTTP single-row p50 at concurrency 1 ≤ {MAX_P50_MS:g} ms",
            f"{old.p50_c1:.1f} ms",
            f"{new.p50_c1:.1f} ms",
            f"{old.p50_c1 / new.p50_c1:.1f}x",
            verdict(new.p50_c1 <= MAX_P50_MS),
        ),
        (
            f"HTTP single-row p99 at concurrency 16 ≤ {MAX_P99_MS:g} ms",
            f"{old.p99_c16:.1f} ms",
            f"{new.p99_c16:.1f} ms",
            f"{old.p99_c16 / new.p99_c16:.1f}x",
            verdict(new.p99_c16 <= MAX_P99_MS),
        ),
    ]
    lines = [
        "## Serving fast path (`bench/serve.py`)",
        "",
        f"Measured {when} in the same run as the serving section above, on {os.cpu_count()} "
        f"shared cores: load average {load[0]:.1f} at the start, {load[1]:.1f} at the end. "
        "Before: the pipeline (a DataFrame, the ColumnTransformer, `predict_proba`), as the "
        "server scored every batch until now; over HTTP, `tabml serve` with its fast path turned "
        "off. Now: the default server, whose fast path scores batches of up to "
        f"{FAST_MAX_ROWS} rows. Both servers run with `OMP_NUM_THREADS=1` and micro-batching on.",
        "",
        "| target | before: pipeline | now: fast path | ratio | |",
        "|---|---:|---:|---:|---|",
        *(f"| {' | '.join(row)} |" for row in rows),
        "",
        "In process, on validated held-out records: `Scorer.score_now` through the pipeline and "
        "through the fast path, and the pipeline's `predict_proba` alone on frames already built, "
        f"by batch size (median of {ROUNDS} interleaved rounds, {seconds:g} s per size and way in "
        "all); one OpenMP thread, as in the server. The fast path "
        f"is taken up to {FAST_MAX_ROWS} rows (`tabml.serve.fastpath.FAST_MAX_ROWS`): the "
        "walk over every row and tree grows with both, and by a few hundred rows it catches up "
        "with scikit-learn's compiled predictor.",
        "",
        "| rows | `predict_proba` alone ms | pipeline ms | fast path ms | pipeline / fast "
        "| the server uses |",
        "|---:|---:|---:|---:|---:|---|",
        *(
            f"| {m.rows} | {m.predict_proba_ms:.2f} | {m.pipeline_ms:.2f} | {m.fast_ms:.3f} "
            f"| {m.ratio:.1f}x "
            f"| {'fast path' if m.rows <= FAST_MAX_ROWS else 'pipeline'} |"
            for m in in_process
        ),
    ]
    return "\n".join(lines) + "\n"
