"""`dvc exp show --json` and `dvc queue status` parsed: the baseline, each experiment and its
state, and one clear error for a listing without a commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tabml.errors import TabmlError
from tabml.sweep.expshow import parse_exp_show, queue_states
from tabml.sweep.local import varying_keys

HERE = Path(__file__).resolve().parent
LR = "train.hist_gradient_boosting.learning_rate"
ITER = "train.hist_gradient_boosting.max_iter"
STATUS = """Task     Name              Created    Status
68b646e  bad-one           03:19 PM   Failed
b831949  moldy-tilt        03:18 PM   Running
953ae16  grave-cane        03:18 PM   Queued
017c3e3  default-f03162-0  03:26 PM   Success

Worker status: 1 active, 0 idle
"""


def test_exp_show_json_gives_the_baseline_and_each_experiment_with_its_state() -> None:
    # Captured from DVC 3.67 after a queued sweep, a failed queued run and a workspace run.
    show = parse_exp_show(json.loads((HERE / "exp_show.json").read_text()))
    assert show.baseline.name == "main" and len(show.baseline.rev) == 40
    assert show.baseline.metrics["roc_auc"] == pytest.approx(0.928836)
    assert show.baseline.params[LR] == 0.1
    states = {run.name: run.state for run in show.experiments}
    assert states == {
        "default-f03162-0": "success",
        "default-f03162-1": "success",
        "idled-wide": "success",  # run in the workspace: no executor
        "moldy-tilt": "success",
        "grave-cane": "success",
        "bad-one": "failed",
    }
    runs = {run.name: run for run in show.experiments}
    assert runs["default-f03162-0"].params[LR] == 0.05
    assert runs["default-f03162-0"].params[ITER] == 100
    assert runs["bad-one"].error == "Experiment run failed"
    assert varying_keys(show) == [LR, ITER]


def test_exp_show_without_a_commit_is_one_clear_error() -> None:
    with pytest.raises(TabmlError, match="no baseline commit"):
        parse_exp_show([{"rev": "workspace", "data": {}}])
    with pytest.raises(TabmlError, match="expected a list"):
        parse_exp_show({})


def test_queue_status_text_gives_each_named_task_its_state() -> None:
    assert queue_states(STATUS) == {
        "bad-one": "failed",
        "moldy-tilt": "running",
        "grave-cane": "queued",
        "default-f03162-0": "success",
    }
    assert queue_states("No experiment tasks in the queue.\n") == {}
