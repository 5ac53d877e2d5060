"""Messages echo values short, plain and in correct grammar, whatever the data holds."""

import errno
import os

import numpy as np
import pytest

from tabml.errors import count, first_problem, os_error_sentence, shown


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (np.float64(1.5), "1.5"),
        (np.int64(3), "3"),
        (np.bool_(True), "True"),
        (np.str_("a"), "'a'"),
        ("x", "'x'"),
        (None, "None"),
        (2, "2"),
        ([np.float64(0.5), np.int32(2)], "[0.5, 2]"),
        ((np.int8(1),), "(1,)"),
        ({"k": np.float32(0.25)}, "{'k': 0.25}"),
        (set(), "set()"),
    ],
)
def test_values_are_plain_python(value: object, text: str) -> None:
    assert shown(value) == text


def test_long_values_are_cut_with_an_ellipsis() -> None:
    text = shown("y" * 10_000_000)
    assert len(text) == 80
    assert text.startswith("'yyy")
    assert text.endswith("…'")


def test_limit_is_respected_for_containers_and_custom_limits() -> None:
    text = shown(list(range(1_000_000)), limit=20)
    assert len(text) == 20
    assert text.startswith("[0, 1, 2")
    assert text.endswith("…")
    assert shown("abcdef", limit=5) == "'ab…'"
    assert shown(12345678, limit=5) == "1234…"


def test_escaped_strings_still_fit_the_limit() -> None:
    text = shown("\n" * 1000, limit=20)
    assert len(text) <= 20
    assert text == "'" + "\\n" * 8 + "…'"
    assert shown("\n\n", limit=20) == repr("\n\n")


def test_short_values_are_not_cut() -> None:
    assert shown("a" * 78) == repr("a" * 78)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 values that are not integers"),
        (1, "1 value that is not an integer"),
        (3, "3 values that are not integers"),
    ],
)
def test_count_agrees_in_number(n: int, text: str) -> None:
    assert count(n, "value that is not an integer", "values that are not integers") == text


def test_first_problem_counts_the_others() -> None:
    assert first_problem(["a"]) == "a"
    assert first_problem(["a", "b"]) == "a (and 1 more problem)"
    assert first_problem(["a", "b", "c"]) == "a (and 2 more problems)"


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "m.skops"),
            "m.skops: No space left on device",
        ),
        (
            PermissionError(errno.EACCES, "Permission denied", "r/x.csv"),
            "r/x.csv: Permission denied",
        ),
        # pyarrow's wording, with the errno inside brackets: the plain reason is kept
        (
            OSError(
                27, "Error writing bytes to file. Detail: [errno 27] File too large", "t.parquet"
            ),
            "t.parquet: File too large",
        ),
        (
            OSError(errno.EXDEV, "Invalid cross-device link", "a", None, "b"),
            "a -> b: Invalid cross-device link",
        ),
        (OSError("no errno,\n  no file"), "no errno, no file"),
    ],
)
def test_os_errors_are_one_sentence(error: OSError, sentence: str) -> None:
    assert os_error_sentence(error) == sentence
    assert os.linesep not in os_error_sentence(error)
