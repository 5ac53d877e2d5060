"""The machine-readable sides of a report, from a small comparison built in memory: report.json
as plain JSON, and the report data with counted confusions, thinned curves and bounded lists."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd

from tabml.compare.bootstrap import Delta
from tabml.compare.gate import Check
from tabml.compare.report import Comparison, InputChange, ParamChange
from tabml.compare.revision import LockStatus, Outputs, Revision, TableStats
from tabml.compare.schema import MAX_PARAMS, Shape
from tabml.compare.summary import CHART_POINTS, from_comparison, summary


def outputs(predicted: list[int]) -> Outputs:
    labels = [0, 0, 1, 1]
    grid = np.linspace(0, 1, 101)
    return Outputs(
        metrics={"roc_auc": 0.9},
        slices={},
        predictions=pd.DataFrame(
            {"row_id": range(4), "label": labels, "score": 0.5, "predicted": predicted}
        ),
        roc=pd.DataFrame({"fpr": grid, "tpr": np.sqrt(grid)}),
        precision_recall=pd.DataFrame({"recall": grid, "precision": 1.2 - grid}),  # 1.2 > 1
    )


def revision(label: str, sha: str, predicted: list[int], rows: int) -> Revision:
    return Revision(
        label=label,
        sha=sha,
        source="committed outputs at `bbbbbbb`",
        outputs=outputs(predicted),
        params={},
        lock={},
        lock_status=LockStatus(True),
        inputs={"data/raw/t.csv": TableStats(rows=rows, columns=3)},
    )


def comparison(params: int = 1, passed: bool = True) -> Comparison:
    base = revision("base", "b" * 40, [0, 1, 1, 1], 100)
    pr = revision("PR", "a" * 40, [0, 0, 0, 1], 120)
    return Comparison(
        base=base,
        pr=pr,
        paired=True,
        deltas=[Delta("roc_auc", 0.9, 0.92, 0.02, 0.01, 0.03), Delta("log_loss", *[math.nan] * 5)],
        slices=[],
        params=[ParamChange(f"train.k{i}", i, i + 1) for i in range(params)],
        inputs=[
            InputChange("data/raw/t.csv", True, base, pr),
            InputChange("data/contract.yaml", False, base, pr),
        ],
        head_lock=LockStatus(False, ["train: params changed (train.k0)"]),
        checks=[Check("roc_auc >= 0.8", passed, "0.92")],
        headline="roc_auc",
    )


def test_report_json_is_plain_json_with_the_verdict_and_what_changed() -> None:
    compared = comparison(passed=False)
    found = summary(replace(compared, deltas=compared.deltas[:1]))  # finite numbers only
    assert json.loads(json.dumps(found, allow_nan=False)) == found
    assert found["passed"] is False and found["lock_fresh"] is False
    assert found["lock_reasons"] == ["train: params changed (train.k0)"]
    assert found["params_changed"] == ["train.k0"]
    assert found["inputs_changed"] == ["data/raw/t.csv"]  # the unchanged contract is not listed
    assert [d["significant"] for d in summary(compared)["deltas"]] == [True, False]


def test_report_data_counts_each_sides_confusion_and_keeps_input_shapes() -> None:
    data = from_comparison(comparison())
    assert data.confusion_base is not None and data.confusion_pr is not None
    assert (data.confusion_base.tn, data.confusion_base.fp) == (1, 1)
    assert (data.confusion_base.fn, data.confusion_base.tp) == (0, 2)
    assert (data.confusion_pr.tn, data.confusion_pr.fn, data.confusion_pr.tp) == (2, 1, 1)
    changed = data.inputs[0]
    assert (changed.base, changed.pr) == (Shape(rows=100, columns=3), Shape(rows=120, columns=3))
    assert data.base_source == "committed outputs at bbbbbbb"  # no code span to break out of


def test_curves_are_thinned_to_a_chart_and_kept_within_the_unit_square() -> None:
    data = from_comparison(comparison())
    assert data.roc is not None and data.precision_recall is not None
    assert data.task == "binary" and data.multiclass is None and data.regression is None
    assert len(data.roc.x) == CHART_POINTS == len(data.roc.base) == len(data.roc.pr)
    assert data.roc.x[0] == 0.0 and data.roc.x[-1] == 1.0
    assert max(data.precision_recall.base) == 1.0  # 1.2 is clipped, not passed on


def test_non_finite_numbers_become_null() -> None:
    loss = from_comparison(comparison()).deltas[1]
    assert (loss.base, loss.pr, loss.delta, loss.low, loss.high) == (None,) * 5


def test_lists_past_the_schemas_bounds_are_cut_with_a_warning() -> None:
    data = from_comparison(comparison(params=MAX_PARAMS + 3), warnings=("earlier note",))
    assert len(data.params) == MAX_PARAMS
    assert data.warnings == (
        "earlier note",
        f"3 of {MAX_PARAMS + 3} changed params left out of the report data",
    )
