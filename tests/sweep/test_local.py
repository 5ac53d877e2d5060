"""A local sweep's wiring around `dvc`: experiment names, DVC's failures as one sentence, waiting
on the queue, the `-S` arguments queued, and which params keys vary (a stand-in `dvc`)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from tabml.errors import TabmlError
from tabml.platform import tools
from tabml.sweep.expshow import ExpRun, ExpShow
from tabml.sweep.local import dvc, experiment_names, queue, varying_keys, wait
from tabml.sweep.spec import Candidate, Sweep

LR = "train.hist_gradient_boosting.learning_rate"
ITER = "train.hist_gradient_boosting.max_iter"
STATUS = """Task     Name          Created    Status
68b646e  lr-abc123-0   03:19 PM   {first}
b831949  lr-abc123-1   03:18 PM   Success
953ae16  other-run     03:18 PM   Queued

Worker status: 1 active, 0 idle
"""


def sweep(source: str = "sweeps/lr.yaml") -> Sweep:
    return Sweep(source, [LR], [Candidate(0, {LR: 0.05}), Candidate(1, {LR: 0.1})])


def stand_in_dvc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> Path:
    """A stand-in `dvc` that runs `script` (sh) and logs its arguments; returns the log.

    The sweep runs this environment's dvc (`tools.dvc_command`), so that is what is replaced."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "dvc.log"
    tool = bin_dir / "dvc"
    tool.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n{script}\n')
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(tools, "dvc_command", lambda *args: [str(tool), *args])
    return log


def test_experiment_names_carry_the_sweep_file_a_token_and_the_index() -> None:
    assert experiment_names(sweep(), token="abc123") == ["lr-abc123-0", "lr-abc123-1"]
    assert experiment_names(sweep("{lr: [1, 2]}"), token="t") == ["grid-t-0", "grid-t-1"]
    first, second = experiment_names(sweep()), experiment_names(sweep())
    assert all(re.fullmatch(r"lr-[0-9a-f]{6}-[01]", name) for name in first + second)
    assert first != second  # a fresh token per sweep: names never collide with an earlier one


def test_a_dvc_failure_is_one_sentence_with_dvcs_last_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = "echo 'WARNING: a stage is locked' >&2\necho \"ERROR: no stage 'train'\" >&2\nexit 1"
    stand_in_dvc(tmp_path, monkeypatch, script)
    with pytest.raises(TabmlError) as caught:
        dvc("exp", "run", "--queue")
    assert str(caught.value) == "dvc exp run: ERROR: no stage 'train'"


def test_a_silent_dvc_failure_still_says_which_command_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in_dvc(tmp_path, monkeypatch, "exit 2")
    with pytest.raises(TabmlError) as caught:
        dvc("queue", "start", "--jobs", "2")
    assert str(caught.value) == "dvc queue start: failed"


def test_dvc_output_is_returned_when_it_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in_dvc(tmp_path, monkeypatch, "echo listed")
    assert dvc("queue", "status") == "listed\n"


def test_queue_sends_each_candidate_under_its_name_with_its_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = stand_in_dvc(tmp_path, monkeypatch, "exit 0")
    queue(sweep(), ["lr-t-0", "lr-t-1"])
    assert log.read_text().splitlines() == [
        f"exp run --queue --name lr-t-0 -S {LR}=0.05",
        f"exp run --queue --name lr-t-1 -S {LR}=0.1",
    ]


def test_wait_returns_once_none_of_the_named_runs_is_queued_or_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status = STATUS.format(first="Failed")  # another sweep's queued run does not matter
    log = stand_in_dvc(tmp_path, monkeypatch, f"cat <<'END'\n{status}END")
    wait(["lr-abc123-0", "lr-abc123-1"], timeout=0, poll=0)
    assert log.read_text().splitlines() == ["queue status"]


def test_wait_gives_up_after_the_timeout_and_says_how_many_are_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status = STATUS.format(first="Running")
    stand_in_dvc(tmp_path, monkeypatch, f"cat <<'END'\n{status}END")
    with pytest.raises(TabmlError, match=r"1 experiments still queued or running after 0 s"):
        wait(["lr-abc123-0", "lr-abc123-1"], timeout=0, poll=0)


def test_varying_keys_are_those_an_experiment_sets_differently_from_the_baseline() -> None:
    def run(name: str, **params: object) -> ExpRun:
        return ExpRun(name, "a" * 40, "success", {"seed": 1, LR: 0.1, ITER: 100, **params}, {})

    baseline = run("main")
    show = ExpShow(baseline, [run("one", **{LR: 0.05}), run("two", **{ITER: 200})])
    assert varying_keys(show) == [LR, ITER]
    assert varying_keys(ExpShow(baseline, [run("same")])) == []
    assert varying_keys(ExpShow(baseline, [])) == []


def test_wait_shows_each_candidates_state_as_it_changes_and_how_many_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tabml import progress

    monkeypatch.setenv("TABML_PROGRESS", "plain")
    monkeypatch.setattr(progress, "QUIET", 0.0)
    monkeypatch.setattr(progress, "HEARTBEAT", 0.0)
    head = "Task     Name          Created    Status\n"
    polls = [("Queued", "Running"), ("Running", "Running"), ("Running", "Success")]
    polls.append(("Failed", "Success"))
    for number, (first, second) in enumerate(polls):
        body = f"a1  lr-abc123-0  03:19 PM  {first}\nb2  lr-abc123-1  03:18 PM  {second}\n"
        (tmp_path / f"status{number}").write_text(head + body)
    counter = tmp_path / "polls"
    script = f'n=$(wc -l < "{counter}" 2>/dev/null || echo 0); echo >> "{counter}"; '
    script += f'cat "{tmp_path}/status$n"'
    stand_in_dvc(tmp_path, monkeypatch, script)
    wait(["lr-abc123-0", "lr-abc123-1"], timeout=60, poll=0)
    lines = capsys.readouterr().err.splitlines()
    assert lines[:-1] == [
        "sweep: candidate 1 of 2 (lr-abc123-0): queued",
        "sweep: candidate 2 of 2 (lr-abc123-1): running",
        "sweep: candidate 1 of 2 (lr-abc123-0): running",
        "sweep: candidate 2 of 2 (lr-abc123-1): success",
        "sweep: candidate 1 of 2 (lr-abc123-0): failed",
    ]
    assert lines[-1].startswith("sweep: 2/2 candidates finished, done in ")
