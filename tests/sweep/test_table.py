"""Ranking sweep results against a baseline with paired intervals, and the markdown table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tabml.config import ReportParams
from tabml.sweep.table import Result, Row, rank, render, score

LR = "train.hist_gradient_boosting.learning_rate"


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
