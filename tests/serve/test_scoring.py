"""Micro-batching in the scorer: merged model calls, bounded batches, answers kept apart."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel
from threadpoolctl import ThreadpoolController

from tabml.config import DataParams
from tabml.contract import Contract
from tabml.serve.schemas import build_record_schema
from tabml.serve.scoring import Scorer

CONTRACT = Contract.model_validate(
    {
        "columns": {
            "x": {"type": "number", "nullable": True},
            "kind": {"type": "category", "categories": ["a", "b"]},
            "y": {"type": "integer"},
        }
    }
)
DATA = DataParams(path="t.csv", contract="c.yaml", target="y", positive_label=1)
SCHEMA = build_record_schema(CONTRACT, DATA)


@pytest.fixture(autouse=True)
def keep_openmp_threads() -> Iterator[None]:
    """The scorer limits OpenMP to one thread in the calling thread; undo it for later tests."""
    openmp = ThreadpoolController().select(user_api="openmp")
    threads = [library["num_threads"] for library in openmp.info()]
    with openmp.limit(limits=max(threads, default=None)):
        yield


class Recorder:
    """A stand-in estimator: score = x / 100 (0.5 when missing); remembers each call's rows."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[int] = []
        self.fail = fail

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        self.calls.append(len(frame))
        if self.fail:
            raise RuntimeError("model broke")
        assert list(frame.columns) == ["x", "kind"] and frame["x"].dtype == np.float64
        positive = frame["x"].fillna(50.0).to_numpy() / 100
        return np.column_stack([1 - positive, positive])


def records(*xs: float | None) -> list[BaseModel]:
    return [SCHEMA.model.model_validate({"x": x, "kind": "a"}) for x in xs]


def scorer(estimator: Recorder, micro_batch: bool = True, max_rows: int = 100) -> Scorer:
    return Scorer(estimator, SCHEMA.features, CONTRACT, micro_batch, max_rows)


async def concurrently(target: Scorer, requests: Sequence[list[BaseModel]]) -> list[Any]:
    target.start()
    try:
        return await asyncio.gather(
            *(target.score(request) for request in requests), return_exceptions=True
        )
    finally:
        await target.stop()


def test_concurrent_requests_share_one_model_call() -> None:
    model = Recorder()
    requests = [records(float(i)) for i in range(10)]
    answers = asyncio.run(concurrently(scorer(model), requests))
    assert answers == [[i / 100] for i in range(10)]
    assert model.calls == [10]


def test_batches_stay_within_max_rows_and_keep_requests_whole() -> None:
    model = Recorder()
    requests = [records(1, 2, 3) for _ in range(5)]
    answers = asyncio.run(concurrently(scorer(model, max_rows=7), requests))
    assert answers == [[0.01, 0.02, 0.03]] * 5
    assert model.calls == [6, 6, 3]


def test_missing_numbers_reach_the_model_as_nan() -> None:
    answers = asyncio.run(concurrently(scorer(Recorder()), [records(None, 20.0)]))
    assert answers == [[0.5, 0.2]]


def test_a_model_failure_fails_its_batch_and_the_scorer_keeps_going() -> None:
    model = Recorder(fail=True)
    target = scorer(model)

    async def scenario() -> tuple[list[Any], list[float]]:
        target.start()
        try:
            failed = await asyncio.gather(
                target.score(records(1.0)), target.score(records(2.0)), return_exceptions=True
            )
            model.fail = False
            return failed, await target.score(records(3.0))
        finally:
            await target.stop()

    failed, later = asyncio.run(scenario())
    assert [str(error) for error in failed] == ["model broke", "model broke"]
    assert later == [0.03]


@pytest.mark.parametrize("micro_batch", [False, True])
def test_without_the_batching_task_each_request_calls_the_model(micro_batch: bool) -> None:
    """micro_batch off, or an app run without its lifespan: one call per request, on threads."""
    model = Recorder()
    target = scorer(model, micro_batch=micro_batch)

    async def scenario() -> list[list[float]]:
        return await asyncio.gather(*(target.score(records(float(i))) for i in range(4)))

    assert asyncio.run(scenario()) == [[i / 100] for i in range(4)]
    assert model.calls == [1, 1, 1, 1]
