"""The sweep file itself, before any params.yaml: read, validated with one sentence naming the
place at fault, ranges drawn within their bounds, and a grid given inline."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tabml.errors import TabmlError
from tabml.sweep.schema import Distribution, inline_grid, parse_sweep, read_sweep

LR = "train.hist_gradient_boosting.learning_rate"


def test_a_sweep_file_is_read_with_its_keys_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"description: two keys\ngrid:\n  train.seed: [1, 2]\n  {LR}: [0.1]\n")
    sweep = read_sweep(path)
    assert sweep.keys == ["train.seed", LR] and sweep.description == "two keys"
    random_search = parse_sweep({"random": {"samples": 3, "params": {LR: [0.1]}}}, "r.yaml")
    assert random_search.keys == [LR] and random_search.random is not None
    assert random_search.random.seed == 0  # seeded by default: a rerun draws the same candidates


def test_a_missing_or_unreadable_file_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match=r"absent.yaml: file not found"):
        read_sweep(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("grid: [unclosed\n")
    with pytest.raises(TabmlError, match=r"broken.yaml: not valid YAML"):
        read_sweep(broken)


def test_several_problems_name_the_first_and_count_the_rest() -> None:
    raw = {"grid": {LR: []}, "extra": 1, "other": 2}
    with pytest.raises(TabmlError) as caught:
        parse_sweep(raw, "s.yaml")
    message = str(caught.value)
    assert message.startswith("s.yaml: ") and message.endswith("(and 2 more problems)")


def test_a_range_draws_within_its_bounds_as_short_readable_numbers() -> None:
    rng = random.Random(0)
    ints = [Distribution(int=(1, 3)).draw(rng) for _ in range(50)]
    assert set(ints) == {1, 2, 3}
    logs = [Distribution(loguniform=(0.001, 1.0)).draw(rng) for _ in range(50)]
    assert all(0.001 <= value <= 1.0 for value in logs)
    assert all(float(f"{value:.4g}") == value for value in logs)  # 4 significant digits
    with pytest.raises(ValueError, match="exactly one of uniform, loguniform, int"):
        Distribution(uniform=(0.0, 1.0), int=(1, 2))


def test_an_inline_grid_is_a_grid_and_bad_text_is_named() -> None:
    sweep = inline_grid(f'{{"{LR}": [0.05, 0.1]}}')
    assert sweep.grid == {LR: [0.05, 0.1]}
    with pytest.raises(TabmlError, match="workflow input: not valid YAML or JSON"):
        inline_grid("{a: [", "workflow input")
    with pytest.raises(TabmlError, match=f"the inline grid: 'grid > {LR}' must be a list"):
        inline_grid(f"{LR}: 0.1")
