"""Each task's chart data from two predictions tables: counts and shares you can check by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from tabml.compare.charts import multiclass, regression


def named(labels: list[str], predicted: list[str], known: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({"row_id": range(len(labels)), "label": labels, "predicted": predicted})
    for name in known:
        frame[f"score:{name}"] = 1 / len(known)
    return frame


def test_multiclass_recall_and_confusion_are_by_class_name() -> None:
    known = ["bird", "cat", "dog"]
    base = named(["cat", "cat", "dog", "bird"], ["cat", "dog", "dog", "cat"], known)
    pr = named(["cat", "cat", "dog", "bird"], ["cat", "cat", "bird", "bird"], known)
    charts = multiclass(base, pr)
    assert charts.classes == ("bird", "cat", "dog")
    recall = {r.name: (r.rows, r.base, r.pr) for r in charts.recall}
    assert recall == {"bird": (1, 0.0, 1.0), "cat": (2, 0.5, 1.0), "dog": (1, 1.0, 0.0)}
    assert charts.confusion_base == ((0, 1, 0), (0, 1, 1), (0, 0, 1))
    assert charts.confusion_pr == ((1, 0, 0), (0, 2, 0), (1, 0, 0))


def test_a_class_only_one_side_knows_gets_a_row_and_no_recall_where_absent() -> None:
    base = named(["a", "b"], ["a", "b"], ["a", "b"])
    pr = named(["a", "c"], ["a", "c"], ["a", "b", "c"])
    charts = multiclass(base, pr)
    assert charts.classes == ("a", "b", "c")
    assert [(r.base, r.pr) for r in charts.recall] == [(1.0, 1.0), (1.0, None), (None, 1.0)]


def test_regression_error_shares_use_shared_edges_with_an_open_last_bin() -> None:
    actual = [100.0 * i for i in range(1, 21)]
    base = pd.DataFrame({"label": actual, "predicted": [a + 10 for a in actual]})
    pr_errors = [0.0] * 19 + [1e6]  # one huge miss: counted in the last bin, not past it
    pr = pd.DataFrame(
        {"label": actual, "predicted": [a + e for a, e in zip(actual, pr_errors, strict=True)]}
    )
    charts = regression(base, pr)
    assert charts.edges[0] == 0 and list(charts.edges) == sorted(charts.edges)
    assert sum(charts.base) == pytest.approx(1) and sum(charts.pr) == pytest.approx(1)
    assert charts.pr[-1] == pytest.approx(1 / 20) and charts.pr[0] == pytest.approx(19 / 20)
    assert charts.mean_error_base == 10 and charts.mean_error_pr == pytest.approx(1e6 / 20)
    assert sum(b.rows for b in charts.bins) == 20
    first = charts.bins[0]
    assert first.low == 100 and first.base == pytest.approx(first.actual + 10)
