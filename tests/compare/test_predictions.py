"""predictions.csv per task into samples: class names by the score columns, numbers as numbers,
and one sentence naming the file and the column for a table that breaks the format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tabml.compare.predictions import (
    baseline_sample,
    classes,
    has_baseline,
    model_sample,
    read_predictions,
)
from tabml.compare.revision import read_outputs
from tabml.errors import TabmlError
from tests.compare.tables import params, predictions, write_side

WHERE = "reports/predictions.csv (this PR)"


def test_multiclass_names_become_codes_in_score_column_order() -> None:
    frame = pd.DataFrame(
        {
            "row_id": [1, 2, 3],
            "label": ["cat", "dog", "bird"],
            "predicted": ["cat", "cat", "bird"],
            "score:bird": [0.1, 0.2, 0.7],
            "score:cat": [0.8, 0.5, 0.2],
            "score:dog": [0.1, 0.3, 0.1],
        }
    )
    sample = model_sample(frame, "multiclass", WHERE)
    assert classes(frame) == ["bird", "cat", "dog"]
    assert sample.labels.tolist() == [1, 2, 0] and sample.predicted.tolist() == [1, 1, 0]
    assert sample.scores.shape == (3, 3) and sample.task == "multiclass"
    assert not has_baseline(frame, "multiclass")


def test_class_names_that_look_like_numbers_stay_as_written(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"row_id": [1, 2], "label": ["01", "1"], "predicted": ["01", "01"]}
        | {"score:01": [0.9, 0.6], "score:1": [0.1, 0.4]}
    )
    write_side(tmp_path, frame, params("multiclass"))
    read = read_outputs(tmp_path, "multiclass").predictions
    assert model_sample(read, "multiclass", WHERE).labels.tolist() == [0, 1]


def test_binary_and_regression_tables_are_read_as_numbers_and_text_is_still_refused(
    tmp_path: Path,
) -> None:
    source = tmp_path / "predictions.csv"
    for task in ("binary", "regression"):
        frame = predictions(task, rows=30)
        frame.to_csv(source, index=False)
        read = read_predictions(source, task)
        assert read["label"].dtype.kind in "if" and read["predicted"].dtype.kind in "if"
        expected, got = model_sample(frame, task, WHERE), model_sample(read, task, WHERE)
        assert np.array_equal(expected.labels, got.labels)
        assert np.allclose(expected.scores, got.scores, rtol=0, atol=1e-12)
    frame = predictions("binary", rows=30).astype({"label": object})
    frame.loc[3, "label"] = "yes"
    frame.to_csv(source, index=False)
    with pytest.raises(TabmlError, match="column 'label' has a value that is not a finite number"):
        model_sample(read_predictions(source, "binary"), "binary", WHERE)


def test_each_tasks_baseline_columns_make_a_sample_on_the_same_rows() -> None:
    for task in ("binary", "multiclass", "regression"):
        frame = predictions(task, rows=50)
        assert has_baseline(frame, task)
        baseline, model = baseline_sample(frame, task, WHERE), model_sample(frame, task, WHERE)
        assert np.array_equal(baseline.labels, model.labels) and baseline.task == task
        assert len(set(np.asarray(baseline.predicted).tolist())) == 1  # a constant model
    regression = baseline_sample(predictions("regression", rows=5), "regression", WHERE)
    assert regression.scores.tolist() == regression.predicted.tolist() == [50_000.0] * 5


@pytest.mark.parametrize(
    ("task", "change", "message"),
    [
        ("binary", {"score": "high"}, "column 'score' has a value that is not a finite number"),
        ("binary", {"label": 2}, "column 'label' must hold 0 or 1 (binary task)"),
        ("regression", {"predicted": None}, "column 'predicted' has a value that is not a finite"),
        ("multiclass", {"label": "fish"}, "column 'label' has class 'fish', which no 'score:"),
        ("multiclass", {"score:cat": 1.5}, "a 'score:<class>' column holds a value outside"),
    ],
)
def test_a_broken_table_is_one_sentence_naming_file_and_column(
    task: str, change: dict[str, Any], message: str
) -> None:
    frame = predictions(task, rows=20)  # type: ignore[arg-type]
    for column, value in change.items():
        frame[column] = [value if i == 3 else v for i, v in enumerate(frame[column])]
    with pytest.raises(TabmlError, match=f"^{WHERE.replace('(', '.').replace(')', '.')}: "):
        model_sample(frame, task, WHERE)  # type: ignore[arg-type]
    with pytest.raises(TabmlError, match=message.replace("(", ".").replace(")", ".")):
        model_sample(frame, task, WHERE)  # type: ignore[arg-type]


def test_missing_columns_are_named() -> None:
    frame = predictions("regression", rows=10).drop(columns="predicted")
    with pytest.raises(TabmlError, match="column 'predicted' is missing"):
        model_sample(frame, "regression", WHERE)
    one_class = predictions("multiclass", rows=10).drop(columns=["score:cat", "score:dog"])
    with pytest.raises(TabmlError, match="one 'score:<class>' column per class .found 1"):
        model_sample(one_class, "multiclass", WHERE)
