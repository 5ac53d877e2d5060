"""Ranking sweep results against a baseline with paired intervals, and the markdown table."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from tabml.config import BootstrapParams, ReportParams
from tabml.sweep.table import Result, Row, rank, read_predictions, render, score

LR = "train.hist_gradient_boosting.learning_rate"
FEW = BootstrapParams(samples=200)


def predictions(scores: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row_id": np.arange(len(labels)),
            "label": labels,
            "score": scores,
            "predicted": (scores >= 0.5).astype(int),
        }
    )


@pytest.fixture
def labelled() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    return labels, rng.normal(size=2000)


def result(name: str, labels: np.ndarray, scores: np.ndarray, **kw: object) -> Result:
    frame = predictions(scores, labels)
    auc = pd.Series(scores).rank()[labels == 1].sum()
    positives = int(labels.sum())
    value = (auc - positives * (positives + 1) / 2) / (positives * (len(labels) - positives))
    return Result(name, {LR: kw.pop("lr", 0.1)}, {"roc_auc": float(value)}, frame, **kw)  # type: ignore[arg-type]


def test_candidates_are_ranked_with_paired_intervals_against_the_baseline(
    labelled: tuple[np.ndarray, np.ndarray],
) -> None:
    labels, noise = labelled
    signal = labels - 0.5
    base = result("HEAD", labels, 1 / (1 + np.exp(-(signal + 1.5 * noise))), baseline=True)
    better = result("sharp", labels, 1 / (1 + np.exp(-(signal + 0.8 * noise))), lr=0.2)
    same = result("same", labels, base.predictions["score"].to_numpy(), lr=0.05)  # type: ignore[index]
    shuffled = predictions(better.predictions["score"].to_numpy(), labels).sample(  # type: ignore[index]
        frac=1, random_state=1
    )
    reordered = Result("reordered", {LR: 0.3}, better.metrics, shuffled)
    failed = Result("broken", {LR: 0.9}, {}, status="failed", error="dvc exp run exited 1")
    rows = score(base, [same, failed, better, reordered], ReportParams())
    ranked = rank(rows, "roc_auc")
    assert [row.result.name for row in ranked] == ["sharp", "reordered", "HEAD", "same", "broken"]
    by_name = {row.result.name: row for row in rows}
    assert by_name["sharp"].delta is not None and by_name["sharp"].delta.improved
    assert by_name["sharp"].paired and by_name["reordered"].paired  # aligned by row_id
    assert by_name["reordered"].delta == by_name["sharp"].delta
    same_delta = by_name["same"].delta
    assert same_delta is not None and same_delta.delta == 0 and not same_delta.significant
    assert by_name["broken"].delta is None and by_name["HEAD"].delta is None

    table = render(rows, [LR], ReportParams(), title="Sweep", baseline_note="Base.")
    lines = table.splitlines()
    assert lines[0] == "### Sweep"
    body = [line for line in lines if line.startswith("| ") and "rank" not in line]
    assert [line.split(" | ")[1] for line in body] == [
        "sharp",
        "reordered",
        "**HEAD**",
        "same",
        "broken",
    ]
    assert body[0].startswith("| 1 | sharp | `0.2` |") and "**better**" in body[0]
    assert "| — | broken | `0.9` | — | — | **failed**: dvc exp run exited 1 |" in body[4]
    assert "within noise" in body[3] and "+0.0000 [+0.0000, +0.0000]" in body[3]
    assert "baseline" in body[2]
    assert lines[-1] == "1 of 4 runs did not finish: broken."


def test_an_unpaired_interval_is_marked_and_lower_is_better_metrics_rank_upwards(
    labelled: tuple[np.ndarray, np.ndarray],
) -> None:
    labels, noise = labelled
    scores = 1 / (1 + np.exp(-(labels - 0.5 + noise)))
    base = result("HEAD", labels, scores, baseline=True)
    fewer = Result("fewer-rows", {LR: 0.2}, base.metrics, predictions(scores[:1500], labels[:1500]))
    rows = score(base, [fewer], ReportParams())
    assert not rows[1].paired and rows[1].delta is not None
    assert " †" in render(rows, [LR], ReportParams(), title="t", baseline_note="b")

    low = [Row(Result(n, {}, {"brier": v})) for n, v in (("a", 0.2), ("b", 0.1), ("c", 0.3))]
    assert [row.result.name for row in rank(low, "brier")] == ["b", "a", "c"]


def regression_result(name: str, truth: np.ndarray, predicted: np.ndarray, **kw: object) -> Result:
    frame = pd.DataFrame({"row_id": np.arange(len(truth)), "label": truth, "predicted": predicted})
    rmse = float(np.sqrt(np.mean((truth - predicted) ** 2)))
    return Result(name, {LR: kw.pop("lr", 0.1)}, {"rmse": rmse, "r2": 0.0}, frame, **kw)  # type: ignore[arg-type]


def test_a_regression_sweep_ranks_by_rmse_lowest_first_and_a_lower_rmse_is_better() -> None:
    rng = np.random.default_rng(1)
    truth = rng.normal(100, 20, 1500)
    report = ReportParams(headline="rmse", metrics=["rmse", "r2"], bootstrap=FEW)
    base = regression_result("HEAD", truth, truth + rng.normal(0, 10, 1500), baseline=True)
    close = regression_result("close", truth, truth + rng.normal(0, 5, 1500), lr=0.2)
    far = regression_result("far", truth, truth + rng.normal(0, 20, 1500), lr=0.05)
    rows = score(base, [far, close], report, "regression")
    assert [row.result.name for row in rank(rows, "rmse")] == ["close", "HEAD", "far"]
    by_name = {row.result.name: row for row in rows}
    assert by_name["close"].delta is not None and by_name["close"].delta.improved
    assert by_name["far"].delta is not None and by_name["far"].delta.delta > 0
    table = render(rows, [LR], report, title="t", baseline_note="b")
    assert "Ranked by `rmse` (lower is better), best first." in table
    assert "| **better** |" in table and "| **worse** |" in table


def test_a_multiclass_sweep_reads_class_names_as_written() -> None:
    """Class names that look like numbers ('01') stay text through the CSV."""
    rng = np.random.default_rng(2)
    classes = ["01", "02", "10"]
    truth = rng.integers(0, 3, 900)

    def frame(accuracy: float) -> pd.DataFrame:
        hit = rng.random(900) < accuracy
        guess = np.where(hit, truth, (truth + 1) % 3)
        probabilities = np.full((900, 3), 0.1) + 0.7 * np.eye(3)[guess]
        columns = {f"score:{c}": probabilities[:, i] for i, c in enumerate(classes)}
        names = np.array(classes)
        table = pd.DataFrame(
            {"row_id": np.arange(900), "label": names[truth], "predicted": names[guess], **columns}
        )
        return read_predictions(io.StringIO(table.to_csv(index=False)))

    report = ReportParams(headline="f1_macro", metrics=["f1_macro", "accuracy"], bootstrap=FEW)
    base = Result("HEAD", {}, {"f1_macro": 0.6}, frame(0.6), baseline=True)
    better = Result("better", {}, {"f1_macro": 0.9}, frame(0.9))
    assert base.predictions is not None and base.predictions["label"].iloc[0] in classes
    rows = score(base, [better], report, "multiclass")
    assert rows[1].delta is not None and rows[1].delta.improved


def test_a_run_whose_predictions_do_not_fit_the_task_is_listed_as_failed() -> None:
    truth = np.linspace(0, 1, 200)
    report = ReportParams(headline="rmse", metrics=["rmse"], bootstrap=FEW)
    base = regression_result("HEAD", truth, truth, baseline=True)
    broken = pd.DataFrame({"row_id": np.arange(200), "label": truth, "predicted": ["x"] * 200})
    odd = Result("odd", {}, {"rmse": 0.1}, broken)
    rows = score(base, [odd], report, "regression")
    assert rows[1].result.status == "failed" and rows[1].delta is None
    assert rows[1].result.error == (
        "reports/predictions.csv (odd): column 'predicted' has a value that is not a finite number"
    )
