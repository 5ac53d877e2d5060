"""Progress: plain periodic lines in logs, a rich bar only on a terminal, silence for quick work,
and counting a boosting fit's iterations without changing the model's bytes."""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from tabml.io import canonical_skops
from tabml.progress import Progress, choose_mode, counting_iterations, track


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TABML_PROGRESS", "CI", "TERM"):
        monkeypatch.delenv(name, raising=False)


def plain(clock: Clock, stream: io.StringIO, **options: object) -> Progress:
    return track("train", 200, "iterations", stream=stream, mode="plain", heartbeat=0,
                 clock=clock, interval=10.0, quiet=2.0, **options)  # fmt: skip


def test_plain_lines_come_at_most_every_interval_and_once_at_the_end() -> None:
    clock, stream = Clock(), io.StringIO()
    with plain(clock, stream) as shown:
        for done, seconds in [(20, 5), (60, 11), (80, 15), (120, 41), (160, 45)]:
            clock.now = 100.0 + seconds
            shown.update(done)
        clock.now = 100.0 + 65
        shown.update(200)
    assert stream.getvalue().splitlines() == [
        "train: 60/200 iterations, 11 s",
        "train: 120/200 iterations, 41 s",
        "train: 200/200 iterations, 1 min 05 s",
        "train: 200/200 iterations, done in 1 min 05 s",
    ]


def test_quick_work_prints_nothing_and_slow_work_ends_with_a_line() -> None:
    clock, stream = Clock(), io.StringIO()
    with plain(clock, stream) as shown:
        clock.now += 1.5
        shown.update(200)
    assert stream.getvalue() == ""
    with plain(clock, stream) as shown:
        clock.now += 3
        shown.update(advance=50, status="fold 1")
        shown.update(advance=50)
    assert stream.getvalue() == "train: 100/200 iterations, done in 3 s (fold 1)\n"


def test_a_failure_says_where_it_stopped_even_when_quick() -> None:
    clock, stream = Clock(), io.StringIO()
    with pytest.raises(RuntimeError), plain(clock, stream) as shown:
        shown.update(7)
        raise RuntimeError("boom")
    assert stream.getvalue() == "train: 7/200 iterations, stopped after 0 s\n"


def test_the_heartbeat_writes_while_the_work_reports_nothing() -> None:
    stream = io.StringIO()
    with Progress("fit", stream=stream, mode="plain", heartbeat=0.005, interval=0.02, quiet=0):
        time.sleep(0.15)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3, lines
    assert all(line.startswith("fit: ") for line in lines)
    assert lines[-1].startswith("fit: done in ")


def test_events_are_written_at_once() -> None:
    clock, stream = Clock(), io.StringIO()
    with plain(clock, stream) as shown:
        shown.event("candidate 2 of 5 (grid-2): success")
    assert stream.getvalue() == "train: candidate 2 of 5 (grid-2): success\n"


def test_the_bar_is_chosen_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_mode(io.StringIO()) == "plain"
    assert choose_mode(Terminal()) == "rich"
    monkeypatch.setenv("CI", "true")
    assert choose_mode(Terminal()) == "plain"
    monkeypatch.setenv("TABML_PROGRESS", "off")
    assert choose_mode(Terminal()) == "off"
    monkeypatch.setenv("TABML_PROGRESS", "rich")
    assert choose_mode(io.StringIO()) == "rich"


def test_a_terminal_gets_a_bar_after_the_quiet_time_and_nothing_before() -> None:
    clock, stream = Clock(), Terminal()
    with track("bootstrap", 1000, "resamples", stream=stream, heartbeat=0, clock=clock) as bar:
        clock.now += 1
        bar.update(250)
    assert bar.mode == "rich" and stream.getvalue() == ""
    with track("bootstrap", 1000, "resamples", stream=stream, heartbeat=0, clock=clock) as bar:
        clock.now += 5
        bar.update(750)
    assert "bootstrap" in stream.getvalue()
    assert "750/1000 resamples" in stream.getvalue()


def test_off_prints_nothing() -> None:
    clock, stream = Clock(), io.StringIO()
    with track("x", 3, stream=stream, mode="off", clock=clock) as shown:
        clock.now += 100
        shown.update(3)
        shown.event("seen")
    assert stream.getvalue() == ""


def canonical(model: object) -> bytes:
    return canonical_skops(sio.dumps(model))


@pytest.mark.parametrize("kind", [HistGradientBoostingClassifier, HistGradientBoostingRegressor])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_counting_iterations_leaves_the_model_bytes_as_one_quiet_fit(
    kind: type, early_stopping: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    noisy = frame["a"] + rng.normal(size=400)
    target = (noisy > 0).astype(int) if kind is HistGradientBoostingClassifier else noisy
    options = {"max_iter": 40, "learning_rate": 0.5, "n_iter_no_change": 3, "random_state": 0}
    options["early_stopping"] = early_stopping
    quiet = kind(**options).fit(frame, target)
    counted = kind(**options)
    clock, stream = Clock(), io.StringIO()
    with plain(clock, stream) as shown, counting_iterations(counted, shown):
        counted.fit(frame, target)
    assert canonical(counted) == canonical(quiet)
    assert counted.get_params()["verbose"] == 0
    assert shown.done == counted.n_iter_ and (counted.n_iter_ < 40) == early_stopping
    assert capsys.readouterr().out == ""  # scikit-learn's verbose lines are swallowed
