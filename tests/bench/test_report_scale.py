"""bench/report_scale.py: `make report` on a big test split, sized, judged and rendered."""

from __future__ import annotations

import math

import pytest
import yaml

import report
import report_scale
from report_scale import BigReport
from tests.support import ROOT


@pytest.mark.parametrize(
    ("test_rows", "test_size"),
    [(2_000_000, 0.5), (2_000_000, 0.2), (50_000, 0.3), (7, 0.33), (1, 0.5)],
)
def test_table_rows_is_the_smallest_table_with_that_test_split(
    test_rows: int, test_size: float
) -> None:
    rows = report_scale.table_rows(test_rows, test_size)
    assert math.ceil(test_size * rows) == test_rows  # the split of tabml prepare
    assert rows == 1 or math.ceil(test_size * (rows - 1)) < test_rows


def test_table_rows_refuses_impossible_sizes() -> None:
    for test_rows, test_size in ((0, 0.5), (10, 0.0), (10, 1.0)):
        with pytest.raises(ValueError, match="test rows"):
            report_scale.table_rows(test_rows, test_size)


def test_the_pr_branch_changes_the_repeat_count() -> None:
    assert report_scale.other_value(5) == 4
    assert report_scale.other_value(1) == 2


def result(reports: list[float], repros: list[float]) -> BigReport:
    change = ("evaluate.importance_repeats", 5, 4)
    return BigReport(4_000_000, 2_000_000, 0.5, change, 300.0, repros, reports, "committed x")


def test_make_report_is_both_commands_and_judged_on_its_median() -> None:
    fast = result([40.0, 50.0, 45.0], [2.0, 2.0, 2.5])
    assert fast.make_report == [42.0, 52.0, 47.5]
    text = "\n".join(report_scale.lines(fast))
    assert "**2,000,000-row test split**" in text and "4,000,000-row table" in text
    assert "from 5 to 4" in text and "The base came from: committed x." in text
    assert "target ≤ 60 s: met." in text
    assert "| `make report` (both) | **47.5 s** |" in text
    slow = result([59.0, 61.0, 70.0], [1.0, 1.0, 1.0])
    assert "target ≤ 60 s: **not met**." in "\n".join(report_scale.lines(slow))
    assert "no more runs" not in "\n".join(report_scale.lines(slow))


def test_a_run_far_over_the_target_says_why_it_was_the_last() -> None:
    text = "\n".join(report_scale.lines(result([900.0], [2.0])))
    assert "Median of 1 (no more runs after one over 3x the target)" in text
    assert "target ≤ 60 s: **not met**." in text


def test_a_skipped_run_says_so() -> None:
    assert report_scale.lines(None) == [
        "`make report` on a big test split: skipped (`--test-rows 0`)."
    ]


@pytest.mark.parametrize("args", [["--test-rows", "-1"], ["--test-size", "1"], ["--runs", "0"]])
def test_bad_options_are_refused_before_any_work(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        report.main(args)
    assert exit_info.value.code == 2
    assert "--test-rows at least 0" in capsys.readouterr().err


@pytest.mark.slow
def test_a_tiny_big_split_run_times_make_report_on_that_many_test_rows() -> None:
    measured = report_scale.bench_big_report(2_000, 0.5, runs=1)
    assert measured.test_rows == 2_000 and measured.table_rows == 3_999
    before = yaml.safe_load((ROOT / "params.yaml").read_text())["evaluate"]["importance_repeats"]
    assert measured.change == (
        "evaluate.importance_repeats",
        before,
        report_scale.other_value(before),
    )
    assert len(measured.repro) == len(measured.report) == 1
    assert min(measured.repro[0], measured.report[0]) > 0
    # the base's table came out of the DVC cache, so its committed outputs were used
    assert measured.base_source.startswith("committed outputs at")
