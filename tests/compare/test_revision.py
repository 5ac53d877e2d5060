"""One side of a comparison, from plain data: what `dvc status` of a clean checkout means for the
committed lock, how a reproduced lock differs, which deps are data, and the input tables' shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tabml.compare.revision import (
    TableStats,
    flatten,
    input_paths,
    lock_diff,
    lock_status,
    read_outputs,
    table_stats,
)
from tabml.errors import TabmlError

LOCK: dict[str, Any] = {
    "stages": {
        "prepare": {
            "cmd": "tabml prepare",
            "deps": [
                {"path": "data/raw/adult.csv", "md5": "r1"},
                {"path": "src/tabml/stages/prepare.py", "md5": "c1"},
            ],
            "params": {"params.yaml": {"split": {"seed": 1, "test_size": 0.2}}},
            "outs": [{"path": "data/prepared/train.parquet", "md5": "t1"}],
        },
        "train": {
            "cmd": "tabml train",
            "deps": [
                {"path": "data/prepared/train.parquet", "md5": "t1"},
                {"path": "data/contract.yaml", "md5": "k1"},
                {"path": "data/raw/adult.csv", "md5": "r1"},
            ],
            "outs": [{"path": "models/model.skops", "md5": "m1"}],
        },
    }
}


def test_outputs_missing_only_from_an_empty_cache_leave_the_lock_fresh() -> None:
    status = {
        "train": [{"changed outs": {"models/model.skops": "not in cache"}}],
        "prepare": [{"changed deps": {"data/prepared/train.parquet": "deleted"}}],
    }
    assert lock_status(status, LOCK).fresh


def test_changed_code_params_or_data_make_the_lock_stale_with_each_reason() -> None:
    status = {
        "prepare": [
            {"changed deps": {"src/tabml/stages/prepare.py": "modified"}},
            {"changed deps": {"params.yaml": {"split.seed": 2}}},
            "changed command",
        ],
        "train": [{"changed deps": {"data/raw/adult.csv": "deleted"}}],  # data, not an output
    }
    found = lock_status(status, LOCK)
    assert not found.fresh
    assert found.reasons == [
        "prepare: src/tabml/stages/prepare.py modified",
        "prepare: params changed (split.seed)",
        "prepare: changed command",
        "train: data/raw/adult.csv deleted",
    ]


def test_a_reproduced_lock_differs_by_stage_and_kind() -> None:
    current: dict[str, Any] = {"stages": {k: dict(v) for k, v in LOCK["stages"].items()}}
    assert lock_diff(LOCK, current) == []
    current["stages"]["prepare"] = {
        **LOCK["stages"]["prepare"],
        "cmd": "tabml prepare --fast",
        "params": {"params.yaml": {"split": {"seed": 2, "test_size": 0.2}}},
    }
    current["stages"]["train"] = {
        **LOCK["stages"]["train"],
        "outs": [{"path": "models/model.skops", "md5": "m2"}],
    }
    current["stages"]["evaluate"] = {"cmd": "tabml evaluate"}
    assert lock_diff(LOCK, current) == [
        "prepare: command changed",
        "prepare: params changed (split.seed)",
        "train: outs changed (models/model.skops)",
        "evaluate: stage added",
    ]
    assert lock_diff(current, LOCK)[-1] == "evaluate: stage removed"


def test_inputs_are_the_deps_no_stage_produces_and_not_code_each_once() -> None:
    assert input_paths(LOCK) == ["data/raw/adult.csv", "data/contract.yaml"]
    assert input_paths({}) == []


def test_flatten_gives_dotted_keys_with_lists_as_leaves() -> None:
    tree = {"train": {"model": "hgb", "hgb": {"lr": 0.1}}, "data": {"drop": ["a", "b"]}}
    assert flatten(tree) == {"train.model": "hgb", "train.hgb.lr": 0.1, "data.drop": ["a", "b"]}
    assert flatten(3) == {"": 3}


def test_table_stats_count_rows_and_columns_of_a_csv_only(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("a,b,c\n1,2,3\n\n4,5,6\n")
    assert table_stats(table) == TableStats(rows=2, columns=3)  # blank lines are no rows
    assert table_stats(tmp_path / "absent.csv") is None  # DVC-tracked and not pulled
    (tmp_path / "t.parquet").write_bytes(b"PAR1")
    assert table_stats(tmp_path / "t.parquet") is None


def test_outputs_that_are_not_there_name_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match=r"metrics.json: file not found; run `dvc repro` first"):
        read_outputs(tmp_path)
