"""Sweep files: validation with one clear error, grid and random expansion, -S formatting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tabml.errors import TabmlError
from tabml.sweep.schema import inline_grid, parse_sweep
from tabml.sweep.spec import Candidate, expand, format_value, load_sweep, short_names
from tests.support import ROOT

LR = "train.hist_gradient_boosting.learning_rate"
ITER = "train.hist_gradient_boosting.max_iter"


@pytest.fixture
def params() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "params.yaml").read_text())
    return loaded


def sweep_of(raw: Any, params: dict[str, Any]) -> list[Candidate]:
    return expand(parse_sweep(raw, "s.yaml"), params, "s.yaml").candidates


def test_grid_is_every_combination_in_key_order(params: dict[str, Any]) -> None:
    found = sweep_of({"grid": {LR: [0.05, 0.1], ITER: [10, 20, 30]}}, params)
    assert [c.index for c in found] == list(range(6))
    assert [(c.params[LR], c.params[ITER]) for c in found] == [
        (lr, n) for lr in (0.05, 0.1) for n in (10, 20, 30)
    ]
    assert found[1].overrides() == [f"{LR}=0.05", f"{ITER}=20"]


def test_random_search_is_seeded_within_its_ranges_and_without_duplicates(
    params: dict[str, Any],
) -> None:
    raw = {
        "random": {
            "samples": 30,
            "seed": 7,
            "params": {
                LR: {"loguniform": [0.01, 0.3]},
                "train.hist_gradient_boosting.max_leaf_nodes": {"int": [15, 17]},
                "train.hist_gradient_boosting.l2_regularization": {"uniform": [0.0, 1.0]},
                "featurize.numeric_imputer": ["median", "mean"],
            },
        }
    }
    first, again = sweep_of(raw, params), sweep_of(raw, params)
    assert [c.params for c in first] == [c.params for c in again]
    assert len(first) == 30  # continuous draws never collide
    assert all(0.01 <= c.params[LR] <= 0.3 for c in first)  # type: ignore[operator]
    leaves = {c.params["train.hist_gradient_boosting.max_leaf_nodes"] for c in first}
    assert leaves == {15, 16, 17}
    assert {c.params["featurize.numeric_imputer"] for c in first} == {"median", "mean"}
    other = sweep_of({"random": {**raw["random"], "seed": 8}}, params)
    assert [c.params for c in other] != [c.params for c in first]


def test_random_choices_only_drop_duplicate_candidates(params: dict[str, Any]) -> None:
    raw = {"random": {"samples": 50, "seed": 0, "params": {"train.seed": [1, 2]}}}
    assert sorted(c.params["train.seed"] for c in sweep_of(raw, params)) == [1, 2]  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"grid": {LR + "x": [0.1]}}, f"s.yaml: key '{LR}x' is not in params.yaml"),
        ({"grid": {"train": [1]}}, "s.yaml: key 'train' is a section of params.yaml, not a value"),
        (
            {"grid": {LR: [0.1, 5]}},
            f"s.yaml (candidate 1: {LR}=5): key '{LR}' input should be less than or equal to 1 "
            "(got 5)",
        ),
        ({"grid": {LR: 0.1}}, f"s.yaml: 'grid > {LR}' must be a list of values"),
        ({"grid": {LR: []}}, f"s.yaml: 'grid > {LR}': list should have at least 1 item"),
        ({"grid": {LR: [[0.1]]}}, "must be a number, a string, true/false or null"),
        (
            {"grid": {LR: [0.1]}, "random": {"samples": 1, "params": {LR: [0.1]}}},
            "s.yaml: give exactly one of 'grid' or 'random'",
        ),
        ({}, "s.yaml: give exactly one of 'grid' or 'random'"),
        ({"grid": {LR: [0.1]}, "sweep": 1}, "s.yaml: unknown key 'sweep'"),
        (
            {"random": {"samples": 2, "params": {LR: {"int": [5, 1]}}}},
            f"'random > params > {LR}': int needs low < high (got [5, 1])",
        ),
        (
            {"random": {"samples": 2, "params": {LR: 0.1}}},
            "must be a list of values or a range (uniform, loguniform, int)",
        ),
        (
            {"random": {"samples": 2, "params": {LR: {"normal": [0, 1]}}}},
            f"s.yaml: unknown key 'random > params > {LR} > normal'",
        ),
        ({"random": {"samples": 0, "params": {LR: [0.1]}}}, "'random > samples': input should"),
        ({"grid": {"train.seed": list(range(20)), ITER: list(range(1, 20))}}, "380 candidates"),
        ([1, 2], "s.yaml: expected a mapping with 'grid' or 'random'"),
    ],
)
def test_a_bad_sweep_is_one_clear_error(raw: Any, message: str, params: dict[str, Any]) -> None:
    with pytest.raises(TabmlError) as error:
        sweep_of(raw, params)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_inline_grid_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text((ROOT / "params.yaml").read_text())
    sweep = load_sweep(
        ROOT / "sweeps" / "default.yaml", f'{{"{ITER}": [5, 6]}}', tmp_path / "params.yaml"
    )
    assert (sweep.source, sweep.keys) == ("the inline grid", [ITER])
    assert sweep.labels() == ["max_iter=5", "max_iter=6"]
    with pytest.raises(TabmlError, match="the inline grid: not valid YAML"):
        inline_grid("{a: [")


@pytest.mark.parametrize("name", ["default.yaml", "random.yaml"])
def test_the_shipped_sweeps_are_valid_and_small(name: str) -> None:
    sweep = load_sweep(ROOT / "sweeps" / name, None, ROOT / "params.yaml")
    assert 2 <= len(sweep.candidates) <= 8
    assert len(set(sweep.labels())) == len(sweep.candidates)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.05, "0.05"),
        (1e-05, "1e-05"),
        (3, "3"),
        (True, "true"),
        (None, "null"),
        ("median", "median"),
        ("null", "'null'"),
        ("a b", "'a b'"),
        ("it's", "'it\\'s'"),
        (">50K", "'>50K'"),
    ],
)
def test_values_are_formatted_for_dvc_set_param(value: Any, text: str) -> None:
    assert format_value(value) == text


def test_short_names_drop_the_shared_prefix() -> None:
    assert short_names([LR, ITER]) == {LR: "learning_rate", ITER: "max_iter"}
    assert short_names([LR, "split.seed"]) == {
        LR: "train.hist_gradient_boosting.learning_rate",
        "split.seed": "split.seed",
    }
