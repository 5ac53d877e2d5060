"""What a model card is made of: the hand-written notes (a missing file is no notes, a wrong key
is one sentence) and bootstrap intervals of each metric on the held-out predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabml.config import BootstrapParams, ReportParams
from tabml.errors import TabmlError
from tabml.release.card_inputs import CardNotes, load_baseline, load_notes, metric_intervals

REPORT = ReportParams(metrics=["roc_auc", "accuracy"], bootstrap=BootstrapParams(samples=200))


def predictions(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, rows)
    scores = np.clip(labels * 0.3 + rng.uniform(0, 0.7, rows), 0, 1)
    return pd.DataFrame({"label": labels, "score": scores, "predicted": (scores >= 0.5) * 1})


def test_notes_are_read_and_a_missing_file_is_no_notes(tmp_path: Path) -> None:
    assert load_notes(tmp_path / "absent.yaml") == CardNotes()
    notes = tmp_path / "model-card.yaml"
    notes.write_text("intended_use: ranking leads\nlimitations: [not for credit decisions]\n")
    assert load_notes(notes) == CardNotes(
        intended_use="ranking leads", limitations=["not for credit decisions"]
    )


def test_a_wrong_key_or_broken_yaml_is_one_sentence_naming_the_file(tmp_path: Path) -> None:
    notes = tmp_path / "model-card.yaml"
    notes.write_text("out_of_scope: not a list\n")
    with pytest.raises(TabmlError, match=r"model-card.yaml: key 'out_of_scope': "):
        load_notes(notes)
    notes.write_text("intended_use: [unclosed\n")
    with pytest.raises(TabmlError, match=r"model-card.yaml: not valid YAML"):
        load_notes(notes)


def test_each_reported_metric_gets_a_seeded_interval_around_its_value() -> None:
    frame = predictions()
    intervals = metric_intervals(frame, REPORT)
    assert [i.metric for i in intervals] == ["roc_auc", "accuracy"]
    assert all(i.low <= i.value <= i.high and i.low < i.high for i in intervals)
    accuracy = next(i for i in intervals if i.metric == "accuracy")
    assert accuracy.value == pytest.approx((frame["label"] == frame["predicted"]).mean())
    assert metric_intervals(frame, REPORT) == intervals  # seeded: the same card twice


def test_predictions_without_a_needed_column_are_refused() -> None:
    with pytest.raises(TabmlError, match=r"predictions.csv: column 'predicted' is missing"):
        metric_intervals(predictions().drop(columns="predicted"), REPORT)


def test_the_baseline_is_read_and_a_missing_file_is_none(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert load_baseline(baseline) is None
    baseline.write_text('{"rmse": 3.5, "n_test": 40}')
    assert load_baseline(baseline) == {"rmse": 3.5, "n_test": 40}
    baseline.write_text("[1, 2]")
    with pytest.raises(TabmlError, match=r"baseline.json: not a JSON object of metrics"):
        load_baseline(baseline)
    baseline.write_text("{broken")
    with pytest.raises(TabmlError, match=r"baseline.json: not valid JSON"):
        load_baseline(baseline)


def test_intervals_of_a_multiclass_and_a_regression_task() -> None:
    rng = np.random.default_rng(3)
    names = np.array(["ash", "elm", "oak"])
    truth = rng.integers(0, 3, 300)
    guess = np.where(rng.random(300) < 0.8, truth, (truth + 1) % 3)
    probabilities = np.full((300, 3), 0.1) + 0.7 * np.eye(3)[guess]
    frame = pd.DataFrame(
        {
            "label": names[truth],
            "predicted": names[guess],
            **{f"score:{c}": probabilities[:, i] for i, c in enumerate(names)},
        }
    )
    report = ReportParams(
        headline="f1_macro",
        metrics=["f1_macro", "accuracy"],
        bootstrap=BootstrapParams(samples=200),
    )
    f1, accuracy = metric_intervals(frame, report, "multiclass")
    assert accuracy.value == pytest.approx((truth == guess).mean())
    assert f1.low <= f1.value <= f1.high
    values = rng.normal(50, 10, 300)
    numbers = pd.DataFrame({"label": values, "predicted": values + rng.normal(0, 2, 300)})
    report = ReportParams(headline="rmse", metrics=["rmse"], bootstrap=BootstrapParams(samples=200))
    (rmse,) = metric_intervals(numbers, report, "regression")
    expected = np.sqrt(np.mean((numbers["label"] - numbers["predicted"]) ** 2))
    assert rmse.value == pytest.approx(expected) and rmse.low < rmse.value < rmse.high
    with pytest.raises(TabmlError, match=r"predictions.csv: column 'label' has class 'fir'"):
        metric_intervals(frame.assign(label="fir"), REPORT.model_copy(), "multiclass")
