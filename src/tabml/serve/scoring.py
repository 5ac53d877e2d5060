"""Validated records in, the model's output out: frame building, model calls, micro-batching.

A scikit-learn pipeline costs about as much for 1 row as for 100, so with micro-batching on,
requests that arrive together are scored in one model call. A batching task on the event loop
takes the pending requests, first yielding to the loop until no more requests that have already
reached the server join them (there is no waiting window: a lone request is scored at once), and
then calls the model on the event loop thread itself. While it does, new requests wait in the
socket buffers and form the next batch.

Calling the model on the loop thread rather than on a worker thread is deliberate. The model is
mostly Python (pandas, scikit-learn) and holds the GIL; an event loop that has to win the GIL
back from a busy worker thread after every socket read waits up to the interpreter's switch
interval (5 ms) each time, which in `bench/serve.py` multiplied the p99 latency of concurrent
single-row requests several times over. The cost is that the loop does not answer, not even
/health, while one batch (at most `serve.max_batch` rows) is being scored.

With micro-batching off, each request calls the model on Starlette's thread pool, as a plain
sync endpoint would.

Batches of at most `fastpath.FAST_MAX_ROWS` rows skip pandas and the pipeline: the fast path,
compiled from the fitted model when the scorer is built, turns the records into the final
estimator's input and scores it in numpy, with the pipeline's output (to 1e-9, checked at
load time). A model it cannot reproduce is always scored by the pipeline, and `fast_path`
says why.

Each pipeline call uses one OpenMP thread. HistGradientBoosting otherwise starts a parallel region
on every core for every call; on a few rows that saves nothing, and while another process kept a
core busy it made calls 10 to 200 times slower (`bench/serve.py` measures both settings).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from threadpoolctl import ThreadpoolController

from tabml.contract import Contract
from tabml.metrics import Task
from tabml.serve.fastmodel import UnsupportedError
from tabml.serve.fastpath import FAST_MAX_ROWS, FastPath, compile_fast_path
from tabml.serve.fastpath import frame as build_frame
from tabml.serve.tasks import DIGITS, pipeline_output

_Pending = tuple[Sequence[BaseModel], "asyncio.Future[list[Any]]"]
# Loop turns that pass without a new request joining before a batch is scored: a request whose
# bytes have arrived needs a couple of turns (read, then the handler task) to reach the queue.
_QUIET_TURNS = 2
_MAX_GATHER_ROUNDS = 16


class Scorer:
    """Scores records with the model; see the module docstring for micro-batching."""

    def __init__(
        self,
        estimator: Any,
        features: dict[str, str],
        contract: Contract,
        micro_batch: bool,
        max_rows: int,
        *,
        fast_max_rows: int = FAST_MAX_ROWS,
        task: Task = "binary",
    ) -> None:
        self.estimator = estimator
        self.task = task
        self.features = features
        self.columns = list(features)
        self.fields = list(features.values())
        self.numeric = {c for c in features if contract.columns[c].type != "category"}
        self.micro_batch = micro_batch
        self.max_rows = max_rows
        self.fast_max_rows = fast_max_rows
        self.fast: FastPath | None = None
        self.fast_problem: str | None = None
        if fast_max_rows > 0:
            categories = {c: contract.columns[c].categories or [] for c in features}
            try:
                self.fast = compile_fast_path(
                    estimator, self.columns, self.numeric, categories, task
                )
            except UnsupportedError as error:
                self.fast_problem = str(error)
        self._pending: deque[_Pending] = deque()
        self._pending_rows = 0
        self._wakeup: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._threads = ThreadpoolController()
        self._limited = threading.local()

    @property
    def fast_path(self) -> str:
        """Which path scores which batches, and why, for /metadata and the start-up log."""
        if self.fast is not None:
            limit = f"batches of up to {self.fast_max_rows} rows"
            return f"fast path for {limit} ({self.fast.description})"
        why = self.fast_problem or "turned off"
        return f"the pipeline for every batch (fast path: {why})"

    def rows(self, records: Sequence[BaseModel]) -> list[tuple[Any, ...]]:
        """Each record's feature values, in the contract's column order."""
        fields = self.fields
        return [tuple(getattr(record, field) for field in fields) for record in records]

    def score_now(self, records: Sequence[BaseModel]) -> list[Any]:
        """The task's output per record (`tabml.serve.tasks`), rounded to 6 digits like the
        evaluate stage: a number, or for multiclass the list of class probabilities."""
        rows = self.rows(records)
        scores = None
        if self.fast is not None and len(rows) <= self.fast_max_rows:
            scores = self.fast.predict(rows)
        if scores is None:
            if not getattr(self._limited, "done", False):
                self._threads.limit(limits=1, user_api="openmp")
                self._limited.done = True
            frame = build_frame(self.columns, self.numeric, rows)
            scores = pipeline_output(self.estimator, frame, self.task)
        if scores.ndim == 2:  # multiclass: one probability per class
            return [[round(p, DIGITS) for p in row] for row in scores.tolist()]
        return [round(value, DIGITS) for value in scores.tolist()]

    async def score(self, records: Sequence[BaseModel]) -> list[Any]:
        """Score one request's records; with micro-batching, together with concurrent ones."""
        if not self.micro_batch or self._wakeup is None:
            return await run_in_threadpool(self.score_now, records)
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending.append((records, future))
        self._pending_rows += len(records)
        self._wakeup.set()
        return await future

    def start(self) -> None:
        """Start the batching task (inside the running loop)."""
        if self.micro_batch:
            self._wakeup = asyncio.Event()
            self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop the batching task."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _gather(self) -> None:
        """Yield to the loop until requests that have already arrived stop joining the queue."""
        for _ in range(_MAX_GATHER_ROUNDS):
            before = len(self._pending)
            for _ in range(_QUIET_TURNS):
                await asyncio.sleep(0)
            if len(self._pending) == before or self._pending_rows >= self.max_rows:
                return

    def _take(self) -> list[_Pending]:
        """Pending requests up to `max_rows` records (always at least one request)."""
        batch = [self._pending.popleft()]
        rows = len(batch[0][0])
        while self._pending and rows + len(self._pending[0][0]) <= self.max_rows:
            item = self._pending.popleft()
            rows += len(item[0])
            batch.append(item)
        self._pending_rows -= rows
        return batch

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                await self._gather()
                batch = self._take()
                records = [record for request, _ in batch for record in request]
                try:
                    scores = self.score_now(records)
                except Exception as error:  # a model failure fails the requests it was scoring
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                offset = 0
                for request, future in batch:
                    if not future.done():
                        future.set_result(scores[offset : offset + len(request)])
                    offset += len(request)
