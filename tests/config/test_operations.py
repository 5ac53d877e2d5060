"""The `retrain` section of params.yaml: defaults, and errors naming the key."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tabml.config import parse_params
from tabml.errors import TabmlError
from tests.support import FIXTURES


def params(**retrain: Any) -> dict[str, Any]:
    raw = yaml.safe_load((FIXTURES / "adult_sample.params.yaml").read_text())  # the tests' own
    raw["retrain"].update(retrain)
    return raw  # type: ignore[no-any-return]


def test_the_shipped_section_parses() -> None:
    settings = parse_params(params()).retrain
    assert settings.mode == "cumulative" and settings.branch == "retrain/auto"
    assert settings.table.as_posix() == "data/train/adult.csv"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"table": "data/raw/more.csv"}, "retrain.table 'data/raw/more.csv' is under data/raw/"),
        ({"table": "data/raw/adult.csv"}, "is under data/raw/"),
        ({"base": "t.csv", "table": "t.csv"}, "retrain.table must differ from retrain.base"),
        ({"mode": "rolling"}, "key 'retrain.mode'"),
        ({"window_batches": 0}, "key 'retrain.window_batches'"),
        ({"branch": "-x"}, "key 'retrain.branch'"),
        ({"windows": 3}, "unknown key 'retrain.windows'"),
    ],
)
def test_bad_values_are_one_sentence(change: dict[str, Any], message: str) -> None:
    with pytest.raises(TabmlError, match=message):
        parse_params(params(**change))
