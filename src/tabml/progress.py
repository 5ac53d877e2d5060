"""Progress of long work on stderr, so no stage, report, sweep or benchmark is silent for a minute.

On a terminal it is a rich bar; anywhere else (CI logs, files, `CI` set) it is one plain line at
most every `INTERVAL` seconds and one at the end, e.g. `train: 120/200 iterations, 41 s`.
Work that ends within `QUIET` seconds prints nothing. A heartbeat thread keeps lines coming
while the work itself reports nothing (one long `fit`). `TABML_PROGRESS=plain|rich|off` overrides
the choice. rich is imported only when a bar is drawn, so the plain path stays light.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Literal, TextIO

Mode = Literal["rich", "plain", "off"]
INTERVAL = 10.0  # seconds between plain lines: often enough for a log, rare enough to read
QUIET = 2.0  # work shorter than this shows nothing
HEARTBEAT = 1.0  # seconds between checks while the work itself reports nothing; 0: none
_ITERATION = re.compile(r"^\[(\d+)/(\d+)\] ")  # scikit-learn, verbose=2: "[12/200] 1 tree"


def choose_mode(stream: TextIO) -> Mode:
    """rich only on an interactive terminal outside CI; plain lines everywhere else."""
    chosen = os.environ.get("TABML_PROGRESS", "").strip().lower()
    if chosen in ("rich", "plain", "off"):
        return chosen  # type: ignore[return-value]
    isatty = getattr(stream, "isatty", None)
    terminal = bool(isatty and isatty())
    dumb = os.environ.get("TERM") == "dumb" or bool(os.environ.get("CI"))
    return "rich" if terminal and not dumb else "plain"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{seconds:.0f} s"


class Progress:
    """One piece of work: `done` of `total` `unit`, an optional status, elapsed time."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        unit: str = "steps",
        *,
        stream: TextIO | None = None,
        mode: Mode | None = None,
        interval: float | None = None,
        quiet: float | None = None,
        heartbeat: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stderr
        self.mode: Mode = mode or choose_mode(self.stream)
        self.interval = INTERVAL if interval is None else interval
        self.quiet = QUIET if quiet is None else quiet
        self.clock = clock
        self.done: int | None = None
        self.status = ""
        self.started = clock()
        self.last_line: float | None = None  # when the last plain line was written
        self._lock = threading.RLock()
        self._bar: Any = None
        self._stop = threading.Event()
        self._beat = HEARTBEAT if heartbeat is None else heartbeat
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self._beat and self.mode != "off":
            self._thread = threading.Thread(target=self._heartbeat, daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(failed=kind is not None)

    def _heartbeat(self) -> None:
        while not self._stop.wait(self._beat):
            self.tick()

    def update(
        self, done: int | None = None, *, advance: int = 0, status: str | None = None
    ) -> None:
        """Record how far the work is (absolute `done`, or `advance` more), then maybe show it."""
        with self._lock:
            if done is not None:
                self.done = done
            elif advance:
                self.done = (self.done or 0) + advance
            if status is not None:
                self.status = status
        self.tick()

    def event(self, text: str) -> None:
        """A line worth showing at once (a sweep candidate finished), whatever the interval."""
        if self.mode == "off":
            return
        with self._lock:
            if self._bar is not None:
                self._bar.console.print(f"{self.label}: {text}")
            else:
                self._write(f"{self.label}: {text}")

    def elapsed(self) -> float:
        return self.clock() - self.started

    def line(self, final: bool = False, failed: bool = False) -> str:
        """`train: 120/200 iterations, 41 s`; the final one says done or stopped."""
        count = ""
        if self.done is not None:
            of = f"/{self.total}" if self.total is not None else ""
            count = f"{self.done}{of} {self.unit}, "
        took = _duration(self.elapsed())
        when = (f"stopped after {took}" if failed else f"done in {took}") if final else took
        status = f" ({self.status})" if self.status else ""
        return f"{self.label}: {count}{when}{status}"

    def tick(self) -> None:
        """Show the state if it is due: a plain line every `interval`, the bar after `quiet`."""
        if self.mode == "off":
            return
        with self._lock:
            now = self.clock()
            if self.mode == "rich":
                if self._bar is None and now - self.started >= self.quiet:
                    self._start_bar()
                self._refresh_bar()
            elif now - (self.last_line if self.last_line is not None else self.started) >= (
                self.interval
            ):
                self._write(self.line())
                self.last_line = now

    def close(self, failed: bool = False) -> None:
        """Stop the heartbeat; end with a line unless the work was quick and nothing was shown."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        with self._lock:
            shown = self.last_line is not None or self._bar is not None
            if self.mode == "off" or not (shown or failed or self.elapsed() >= self.quiet):
                return
            if self.mode == "rich":
                if self._bar is None:
                    self._start_bar()
                self._refresh_bar(final=True)
                self._bar.stop()
                self._bar = None
            self._write_final(failed)

    def _write_final(self, failed: bool) -> None:
        if self.mode == "plain":
            self._write(self.line(final=True, failed=failed))
        elif failed:
            self._write(self.line(final=True, failed=True))

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        columns = [TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[n]}")]
        took = TextColumn("{task.fields[took]}")  # since the work began, not since the bar did
        self._bar = Progress(*columns, took, console=Console(file=self.stream))
        self._task = self._bar.add_task(self.label, total=self.total, n="", took="")
        self._bar.start()

    def _refresh_bar(self, final: bool = False) -> None:
        if self._bar is None:
            return
        of = f"/{self.total}" if self.total is not None else ""
        count = f"{self.done}{of} {self.unit}" if self.done is not None else ""
        text = " ".join(part for part in (count, self.status) if part)
        done = self.total if final and self.total is not None else self.done
        took = _duration(self.elapsed())
        self._bar.update(self._task, completed=done or 0, n=text, took=took)


def track(label: str, total: int | None = None, unit: str = "steps", **options: Any) -> Progress:
    """`with track("bootstrap", 1000, "resamples") as shown: ... shown.update(advance=250)`."""
    return Progress(label, total, unit, **options)


class _IterationCounter(io.TextIOBase):
    """Takes the place of stdout during a scikit-learn fit and turns `[i/n]` into progress."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        for match in _ITERATION.finditer(text):  # printed as iteration i starts: i - 1 are done
            self.progress.update(int(match.group(1)) - 1)
        return len(text)


@contextlib.contextmanager
def counting_iterations(estimator: Any, progress: Progress) -> Iterator[None]:
    """Count the boosting iterations of a scikit-learn estimator's `fit` from its verbose lines.

    scikit-learn's HistGradientBoosting has no per-iteration callback, and fitting in warm-start
    chunks does not give the same model bytes as one fit (an early stop that lands on a chunk's
    end is missed). `verbose=2` changes only what the fit prints, so we count its `[i/n]` lines
    (swallowing the rest) and put `verbose` back, leaving the model's bytes as one quiet fit's.
    """
    params = estimator.get_params()
    boosting = type(estimator).__name__.startswith("HistGradientBoosting")
    if not boosting or progress.mode == "off":
        yield
        return
    estimator.set_params(verbose=2)
    try:
        with contextlib.redirect_stdout(_IterationCounter(progress)):
            yield
        progress.update(estimator.n_iter_)
    finally:
        estimator.set_params(verbose=params["verbose"])
