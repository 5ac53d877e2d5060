"""Editing data.path in params.yaml: one line, comments and the rest untouched."""

from __future__ import annotations

import pytest
import yaml

from tabml.config import parse_params
from tabml.errors import TabmlError
from tabml.retrain.params_edit import point_data_path, point_key
from tests.support import ROOT


def test_the_real_params_file_changes_in_one_line_only() -> None:
    text = (ROOT / "params.yaml").read_text()
    edited = point_data_path(text, "data/train/adult.csv")
    changed = [
        (old, new)
        for old, new in zip(text.splitlines(), edited.splitlines(), strict=True)
        if old != new
    ]
    assert len(changed) == 1
    old, new = changed[0]
    assert new.startswith("  path: data/train/adult.csv")
    assert ("#" in new) == ("#" in old)  # make adopt may have moved a long comment above the key
    assert "#" not in old or new.index("#") == old.index("#")  # the comment stays in its column
    assert parse_params(yaml.safe_load(edited)).data.path.as_posix() == "data/train/adult.csv"


def test_only_the_data_section_path_is_edited() -> None:
    text = "serve:\n  path: x\ndata:\n  target: y\n  path: a.csv\nother:\n  path: z\n"
    assert point_data_path(text, "b c.csv") == (
        'serve:\n  path: x\ndata:\n  target: y\n  path: "b c.csv"\nother:\n  path: z\n'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("split:\n  seed: 1\n", "no top-level 'data:' section"),
        ("data:\n  target: y\nother:\n  path: z\n", "could not find the line of key 'data.path'"),
    ],
)
def test_a_file_without_the_key_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(TabmlError, match=message):
        point_data_path(text, "b.csv")


def test_retrain_base_is_edited_in_its_own_section_only() -> None:
    text = (ROOT / "params.yaml").read_text()
    edited = point_key(text, "retrain", "base", "data/demo/base.csv")
    changed = [
        (old, new)
        for old, new in zip(text.splitlines(), edited.splitlines(), strict=True)
        if old != new
    ]
    assert len(changed) == 1 and changed[0][1].startswith("  base: data/demo/base.csv ")
    assert changed[0][1].index("#") == changed[0][0].index("#")
    params = parse_params(yaml.safe_load(edited))
    assert params.retrain.base is not None and params.retrain.base.as_posix() == (
        "data/demo/base.csv"
    )
    assert params.data.path == parse_params(yaml.safe_load(text)).data.path
    with pytest.raises(TabmlError, match="no top-level 'retrain:' section to edit 'retrain.base'"):
        point_key("data:\n  path: a\n", "retrain", "base", "b.csv")
