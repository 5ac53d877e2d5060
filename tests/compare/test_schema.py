"""The report data schema: what an artifact written by PR code may hold, and nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tabml.compare.schema import MAX_ROWS, MAX_TEXT, ReportData, SliceData, clip
from tests.compare.reportdata import delta, sample


def as_json(**changes: Any) -> dict[str, Any]:
    return json.loads(sample(**changes).model_dump_json())  # type: ignore[no-any-return]


def refused(payload: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        ReportData.model_validate_json(json.dumps(payload))
    error = info.value.errors()[0]
    return ".".join(str(p) for p in error["loc"]) + f": {error['msg']}"


def test_report_data_round_trips_through_json() -> None:
    data = sample()
    assert ReportData.model_validate_json(data.model_dump_json()) == data


def set_in(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, leaf = path.split(".")
    node: Any = payload
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(leaf) if leaf.isdigit() else leaf] = value
    return payload


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("deltas.0.metric", "roc_auc<script>"),  # only known metric names
        ("headline", "accuracy"),  # a headline with no delta
        ("deltas.0.pr", "0.9"),  # numbers are numbers (strict)
        ("deltas.0.pr", 1e9),  # and in range
        ("roc.x.1", 1.5),  # curves stay in [0, 1]
        ("base_rows", -1),
        ("pr_sha", "A" * 40),
        ("checks.0.passed", "yes"),
        ("checks.0.rule", "x" * (MAX_TEXT + 1)),  # bounded strings
        ("checks.0.rule", "two\nlines"),  # one line
        ("params.0.key", "\u202eevil"),  # no bidi override
        ("slices.0.value", "a\u200bb"),  # no zero-width characters
        ("versions.tabml", "1.0 <b>"),
        ("schema_version", 2),
        ("surprise", "key"),  # no unknown keys, at any level
        ("inputs.0.extra", 1),
        ("baseline.strategy", "oracle"),  # the trivial baseline: a known strategy
        ("baseline.score", 1.5),  # a prevalence is in [0, 1]
        ("baseline.score", "0.24"),
        ("baseline.label", 2),  # a binary class
        ("baseline.deltas.0.metric", "auc"),
        ("baseline.deltas.0.high", -1e6),
        ("baseline.deltas", []),
        ("baseline.deltas.1.metric", "roc_auc"),  # one delta per metric
        ("baseline.note", "<b>hi</b>"),
    ],
)
def test_anything_outside_the_schema_is_refused(path: str, value: Any) -> None:
    assert path.split(".", maxsplit=1)[0] in refused(set_in(as_json(), path, value))


def test_non_finite_numbers_are_refused() -> None:
    text = sample().model_dump_json().replace('"pr":0.91', '"pr":NaN', 1)
    assert '"pr":NaN' in text
    with pytest.raises(ValidationError):
        ReportData.model_validate_json(text)


def test_lists_are_bounded() -> None:
    row = json.loads(SliceData(group="g", value="v", rows=1, delta=delta()).model_dump_json())
    assert refused(as_json() | {"slices": [row] * (MAX_ROWS + 1)}).startswith("slices: ")
    assert refused(as_json() | {"deltas": []}).startswith("deltas: ")


def test_clip_makes_any_text_fit_the_schema() -> None:
    text = clip("a\tb\nc \u202ed\u200b" + "x" * 500)
    assert text.startswith("a b c d") and len(text) == MAX_TEXT and text.endswith("…")
    assert sample(base_source=text).base_source == text


def test_a_non_finite_baseline_value_is_refused() -> None:
    payload = as_json()
    payload["baseline"]["deltas"][0]["low"] = float("-inf")
    with pytest.raises(ValidationError):
        ReportData.model_validate_json(json.dumps(payload))


def test_report_data_without_a_baseline_still_validates() -> None:
    """A PR run from before the baseline wrote none; the comment job can still render it."""
    payload = as_json()
    del payload["baseline"]
    assert ReportData.model_validate_json(json.dumps(payload)).baseline is None
