"""The train/test split: sizes, stratification, seeding and row order, without scikit-learn."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tabml.stages.split import class_test_rows, split_frame, split_positions


@pytest.mark.parametrize(
    ("counts", "test_rows", "expected"),
    [
        ([80, 20], 20, [16, 4]),  # exact shares
        ([50, 30, 20], 11, [6, 3, 2]),  # 5.5, 3.3, 2.2: the one left over goes to the 0.5
        ([997, 2, 1], 200, [199, 1, 0]),  # a class of one row stays in train
        ([98, 2], 10, [9, 1]),  # the small class keeps a row on each side
        ([3, 3, 3, 3], 4, [1, 1, 1, 1]),
        ([5, 5], 9, [4, 4]),  # each class keeps a train row: fewer test rows than asked
    ],
)
def test_class_test_rows(counts: list[int], test_rows: int, expected: list[int]) -> None:
    assert class_test_rows(np.array(counts), test_rows).tolist() == expected


@pytest.mark.parametrize("seed", range(20))
def test_class_test_rows_sum_to_the_test_rows_and_leave_each_class_on_both_sides(
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 500, size=rng.integers(2, 12))
    test_rows = int(rng.integers(len(counts), counts.sum() - len(counts) + 1))
    take = class_test_rows(counts, test_rows)
    assert take.sum() == test_rows
    assert (take >= 1).all() and (take <= counts - 1).all()


def test_positions_cover_every_row_once_in_table_order() -> None:
    labels = np.repeat([0, 1, 2], [600, 300, 100])
    train, test = split_positions(1000, 0.2, seed=7, labels=labels)
    assert len(test) == 200 and len(train) == 800
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(1000))
    assert (np.diff(train) > 0).all() and (np.diff(test) > 0).all()
    assert np.bincount(labels[test]).tolist() == [120, 60, 20]


def test_test_rows_round_up_as_scikit_learn_does() -> None:
    for n_rows, size in [(101, 0.2), (7, 0.25), (48842, 0.2)]:
        _, test = split_positions(n_rows, size, seed=0)
        assert len(test) == math.ceil(size * n_rows)


def test_the_seed_picks_the_rows_and_the_same_seed_picks_the_same() -> None:
    labels = np.tile([0, 1], 500)
    first = split_positions(1000, 0.3, seed=1, labels=labels)
    again = split_positions(1000, 0.3, seed=1, labels=labels)
    other = split_positions(1000, 0.3, seed=2, labels=labels)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])


def test_the_rows_chosen_within_a_class_are_spread_not_its_first() -> None:
    labels = np.repeat([0, 1], 5000)
    _, test = split_positions(10000, 0.2, seed=3, labels=labels)
    ones = test[labels[test] == 1]
    assert ones.min() < 5500 and ones.max() > 9500  # the whole class, not a block of it


def test_split_frame_keeps_attrs_dtypes_and_stratifies_text_labels() -> None:
    frame = pd.DataFrame(
        {
            "y": pd.Categorical(["b", "a"] * 50 + ["c"] * 10),
            "x": np.arange(110, dtype=np.float32),
        }
    )
    frame.attrs["classes"] = ["a", "b", "c"]
    train, test = split_frame(frame, "y", 0.2, seed=5, stratify=True)
    assert len(test) == 22 and len(train) == 88
    assert test["y"].value_counts().to_dict() == {"a": 10, "b": 10, "c": 2}
    assert train.attrs == {"classes": ["a", "b", "c"]} and train.attrs is not frame.attrs
    assert train.dtypes.equals(frame.dtypes)
    assert list(train.index) == list(range(88))
    assert (np.diff(train["x"]) > 0).all()


def test_split_frame_without_stratify_samples_all_rows() -> None:
    frame = pd.DataFrame({"y": np.linspace(0, 1, 50)})
    train, test = split_frame(frame, "y", 0.1, seed=0, stratify=False)
    assert len(test) == 5 and set(train["y"]).isdisjoint(test["y"])


def test_importing_the_split_does_not_load_scikit_learn() -> None:
    code = "import sys, tabml.stages.prepare; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
