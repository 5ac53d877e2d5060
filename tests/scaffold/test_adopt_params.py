"""Editing params.yaml as text: one key's value replaced with its comment at its column, nested
blocks and block sequences replaced, missing keys and sections added, long lines kept short, and
an edit that would not parse to the value asked for refused in one sentence."""

from __future__ import annotations

import pytest
import yaml

from tabml.errors import TabmlError
from tabml.scaffold.adopt_params import edit_params, render, set_key

TEXT = """\
# top comment

data:
  path: data/raw/a.csv            # the raw table
  drop: [fnlwgt]                  # columns never used (fnlwgt is a census weight)
  groups: [sex]

report:                           # the report
  gate:
    floors:                       # opt-in minimum per metric. 0.90 is a
      roc_auc: 0.90               # fact about one table
    min_slice_rows: 100           # smaller slices never gate
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (0.05, "0.05"),
        ("data/raw/t.csv", "data/raw/t.csv"),
        ("yes", '"yes"'),  # YAML 1.1 would read a bool
        ("1", '"1"'),
        (">50K", '">50K"'),
        ([], "[]"),
        (["a", "b"], "[a, b]"),
        ({"r2": 0.05}, "{r2: 0.05}"),
    ],
)
def test_render_round_trips(value: object, expected: str) -> None:
    assert render(value) == expected
    assert yaml.safe_load(f"k: {expected}")["k"] == value


def test_a_value_is_replaced_with_its_comment_at_its_column() -> None:
    edited = set_key(TEXT, "data.path", "data/raw/customers.csv")
    line = edited.splitlines()[3]
    assert line == "  path: data/raw/customers.csv".ljust(34) + "# the raw table"
    assert edited.replace(line, TEXT.splitlines()[3]) == TEXT  # nothing else moved


def test_a_comment_about_a_value_that_is_gone_loses_that_part() -> None:
    edited = set_key(TEXT, "data.drop", [])
    assert "  drop: []                        # columns never used\n" in edited


def test_a_nested_block_becomes_one_line_and_its_sentence_is_cut() -> None:
    edited = set_key(TEXT, "report.gate.floors", {})
    assert "    floors: {}                    # opt-in minimum per metric.\n" in edited
    assert "roc_auc" not in edited and "fact about one table" not in edited
    assert yaml.safe_load(edited)["report"]["gate"] == {"floors": {}, "min_slice_rows": 100}


def test_a_block_sequence_at_the_key_indent_is_replaced() -> None:
    dumped = yaml.safe_dump({"data": {"drop": ["a", "b"], "target": "y"}}, sort_keys=False)
    edited = set_key(dumped, "data.drop", ["c"])
    assert yaml.safe_load(edited) == {"data": {"drop": ["c"], "target": "y"}}


def test_missing_keys_and_sections_are_added() -> None:
    edited = edit_params(TEXT, {"data.task": "regression", "retrain.base": "data/raw/t.csv"})
    parsed = yaml.safe_load(edited)
    assert parsed["data"]["task"] == "regression"
    assert parsed["retrain"] == {"base": "data/raw/t.csv"}
    assert edited.startswith(TEXT.split("report:", maxsplit=1)[0].rstrip("\n"))


def test_a_line_too_long_for_its_comment_puts_the_comment_above() -> None:
    edited = set_key(TEXT, "data.groups", [f"column_{i}" for i in range(8)])
    edited = set_key(edited, "data.path", "data/raw/" + "x" * 80 + ".csv")
    lines = edited.splitlines()
    assert all(len(line) <= 100 for line in lines if "x" * 80 not in line)
    index = next(i for i, line in enumerate(lines) if line.startswith("  path:"))
    assert lines[index - 1] == "  # the raw table"


def test_an_edit_that_does_not_parse_as_asked_is_refused() -> None:
    flow = "data: {path: a.csv, target: y}\n"
    with pytest.raises(TabmlError, match="^params.yaml: editing it would not leave valid YAML"):
        edit_params(flow, {"data.target": "z"})
