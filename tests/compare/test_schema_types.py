"""The report data's building blocks refuse what a PR run must not hand the comment job."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from tabml.compare.schema_types import BIG, Metric, Num, Text


@pytest.mark.parametrize(
    ("kind", "value"),
    [(Text, "a\u202eb"), (Text, "x" * 201), (Metric, "auc"), (Num, BIG * 10), (Num, float("nan"))],
)
def test_bad_values_are_refused(kind: Any, value: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(kind).validate_python(value)


def test_a_price_sized_number_and_a_known_metric_pass() -> None:
    assert TypeAdapter(Num).validate_python(250_000.5) == 250_000.5
    assert TypeAdapter(Metric).validate_python("abs_error_p90") == "abs_error_p90"
