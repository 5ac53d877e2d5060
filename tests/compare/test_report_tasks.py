"""The comparison and its gate for each task, from predictions.csv files on disk: the task's
metrics in their direction, the trivial baseline of the task, slices, and one clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tabml.compare.report import compare_revisions
from tabml.compare.revision import LockStatus
from tabml.compare.summary import from_comparison, summary
from tabml.config import Params
from tabml.metrics import Task
from tests.compare.tables import comparison, params, predictions, revision, write_side


def rules(tmp: Path, task: Task, base_skill: float, pr_skill: float) -> dict[str, bool]:
    found = comparison(
        tmp, task, predictions(task, skill=base_skill), predictions(task, skill=pr_skill, seed=1)
    )
    return {c.rule: c.passed for c in found.checks}


@pytest.mark.parametrize(("task", "headline"), [("multiclass", "f1_macro"), ("regression", "rmse")])
def test_a_better_model_passes_and_a_worse_one_fails_the_default_gate(
    tmp_path: Path, task: Task, headline: str
) -> None:
    better = rules(tmp_path / "better", task, 0.5, 0.8)
    assert better[f"{headline} beats the trivial baseline (significant)"] is True
    assert better[f"{headline} drop <= 0.0 when significant"] is True
    worse = rules(tmp_path / "worse", task, 0.8, 0.3)
    assert worse[f"{headline} drop <= 0.0 when significant"] is False


def test_a_model_of_noise_does_not_beat_the_trivial_regression_baseline(tmp_path: Path) -> None:
    noise = rules(tmp_path, "regression", 0.0, 0.0)  # errors wider than the spread of the labels
    assert noise["rmse beats the trivial baseline (significant)"] is False


def test_regression_metrics_keep_their_direction_and_unit(tmp_path: Path) -> None:
    found = comparison(
        tmp_path,
        "regression",
        predictions("regression", skill=0.5),
        predictions("regression", skill=0.9, seed=1),
    )
    rmse, r2 = found.delta("rmse"), found.delta("r2")
    assert rmse.delta < 0 and rmse.improved and rmse.base > 1000  # lower is better, in the unit
    assert r2.delta > 0 and r2.improved
    assert found.baseline is not None and found.baseline.strategy == "mean"
    assert found.baseline.mean == 50_000.0
    record = summary(found)
    assert record["task"] == "regression" and record["baseline"]["mean"] == 50_000.0
    data = from_comparison(found)
    assert data.task == "regression" and data.regression is not None and data.roc is None


def test_multiclass_report_data_names_the_classes_and_the_most_frequent_one(tmp_path: Path) -> None:
    found = comparison(
        tmp_path, "multiclass", predictions("multiclass"), predictions("multiclass", seed=1)
    )
    assert [d.metric for d in found.deltas] == [
        "accuracy",
        "f1_macro",
        "f1_weighted",
        "balanced_accuracy",
        "log_loss",
    ]
    assert found.baseline is not None and found.baseline.class_name == "bird"
    data = from_comparison(found)
    assert data.multiclass is not None and data.multiclass.classes == ("bird", "cat", "dog")
    assert {s.value for s in data.slices} == {"north", "south"}


def test_a_small_slice_is_listed_as_not_gated(tmp_path: Path) -> None:
    gate = {"max_slice_regression": {"rmse": 0.0}, "min_slice_rows": 100}
    found = comparison(
        tmp_path,
        "regression",
        predictions("regression"),
        predictions("regression", seed=1),
        gate=gate,
    )
    details = {c.rule: c.detail for c in found.checks}
    assert details["rmse on region=north drop <= 0.0 when significant"] == (
        "not gated (n = 60 < min_slice_rows 100)"
    )
    assert not details["rmse on region=south drop <= 0.0 when significant"].startswith("not gated")


def test_a_base_of_another_task_is_replaced_by_the_pr_with_a_note(tmp_path: Path) -> None:
    """A PR that adopts a regression table, on a binary base: no comparison, but a report."""
    base_side = write_side(tmp_path / "b", predictions("binary"), params("binary"))
    base = revision(base_side, "base", "b" * 40)
    settings = params("regression")
    pr = revision(write_side(tmp_path / "p", predictions("regression"), settings), "PR", "a" * 40)
    found = compare_revisions(Params.model_validate(settings), base, pr, LockStatus(True))
    assert found.notes == (
        "params.yaml: data.task is 'regression' in this PR and 'binary' at the base bbbbbbb, so "
        "the PR is compared with itself: no change can show, and the trivial baseline is the "
        "gate's only comparison",
    )
    assert all(d.delta == 0 and not d.significant for d in found.deltas)
    assert {c.rule: c.passed for c in found.checks}["rmse beats the trivial baseline (significant)"]
    data = from_comparison(found, ("a stamp warning",))
    assert data.warnings == (found.notes[0], "a stamp warning") and data.task == "regression"
    assert "of another task (binary)" in data.base_source
    assert summary(found)["notes"] == list(found.notes)


def test_a_binary_report_names_its_positive_class(tmp_path: Path) -> None:
    found = comparison(tmp_path, "binary", predictions("binary"), predictions("binary", seed=1))
    assert from_comparison(found).positive_label == "yes"
