"""bench/scale_section.py: issue 12's 10M-row verdicts, the growth exponent and fixed costs."""

from __future__ import annotations

import pytest

import scale_section as section
from scale_section import Run

M = 1_000_000


def run(rows: int, wall: float, cpu: float, rss: float = 1000.0) -> Run:
    return Run(rows, "parquet", wall=wall, peak_rss_mib=rss, cpu=cpu)


def verdicts(runs: list[Run]) -> list[str]:
    return [row[3] for row in section.summary_rows(runs)]


def test_met_and_not_met() -> None:
    assert section.met(True) == "met"
    assert section.met(False) == "**not met**"


def test_linear_fit_recovers_fixed_and_per_row_costs() -> None:
    fixed, per_row = section.linear_fit([1e6, 4e6, 1e7], [12 + 3e-6 * n for n in (1e6, 4e6, 1e7)])
    assert fixed == pytest.approx(12) and per_row == pytest.approx(3e-6)
    with pytest.raises(ValueError, match="two or more distinct sizes"):
        section.linear_fit([1e6, 1e6], [1.0, 2.0])


def test_ten_million_rows_within_both_limits_and_linear_growth_is_met() -> None:
    runs = [run(M, 50.0, 60.0, 400), run(10 * M, 500.0, 590.0, 2_800)]
    rows = section.summary_rows(runs)
    assert verdicts(runs) == ["met", "met", "met"]
    assert rows[0][1] == "500 s (8.3 min)" and rows[1][1] == "2,800 MiB"
    assert rows[2][1] == "k = 1.00 wall, 0.99 CPU"


@pytest.mark.parametrize(
    ("wall", "rss", "expected"),
    [
        (601.0, 1_000, ["**not met**", "met"]),
        (100.0, 2_862, ["met", "**not met**"]),  # 3 GB is 2,861 MiB, read strictly
        (100.0, 2_861, ["met", "met"]),
    ],
)
def test_each_ten_million_row_limit_is_judged_on_its_own(
    wall: float, rss: float, expected: list[str]
) -> None:
    assert verdicts([run(M, 10.0, 10.0), run(10 * M, wall, wall, rss)])[:2] == expected


def test_faster_than_linear_growth_of_wall_or_cpu_is_not_met() -> None:
    wall_only = [run(M, 10.0, 10.0), run(10 * M, 120.0, 100.0)]  # k = 1.08 wall
    cpu_only = [run(M, 10.0, 10.0), run(10 * M, 100.0, 120.0)]
    for runs in (wall_only, cpu_only):
        assert verdicts(runs)[2] == "**not met**"
    assert "k = 1.08 wall" in section.summary_rows(wall_only)[2][1]


def test_sizes_off_the_target_range_are_shown_but_not_judged() -> None:
    runs = [run(20_000, 20.0, 20.0), run(100_000, 30.0, 35.0)]
    rows = section.summary_rows(runs)
    assert rows[0][3] == rows[1][3] == "not measured (largest run: 100,000 rows)"
    assert rows[2][1] == "k = 0.25 wall, 0.35 CPU (rows 20,000 to 100,000)"
    assert rows[2][3] == "not judged (other sizes)"
    assert verdicts([run(M, 1.0, 1.0)])[2] == "not measured (fewer than two sizes)"


def test_only_runs_inside_the_range_count_when_it_is_covered() -> None:
    inside = [run(M, 10.0, 10.0), run(10 * M, 100.0, 100.0)]
    outside = run(100_000, 9.9, 9.9)  # would pull k far below 1 if it counted
    assert section.growth_runs([outside, *inside]) == (inside, True)
    assert section.summary_rows([outside, *inside])[2][1] == "k = 1.00 wall, 1.00 CPU"


def test_fixed_costs_are_stated_from_the_same_runs() -> None:
    runs = [run(M, 40.0, 45.0), run(10 * M, 310.0, 360.0)]  # 10 s + 30 s per 1M rows
    (text,) = section.fixed_cost_lines(runs)
    assert "**10.0 s** of fixed wall time plus 30.0 s per million rows" in text
    assert "CPU: 10.0 s fixed plus 35.0 s per million rows" in text
    assert "25% of the 1,000,000-row wall time" in text
    assert section.fixed_cost_lines([run(M, 1.0, 1.0)]) == []


def test_render_has_the_verdict_table_and_every_run() -> None:
    runs = [run(M, 40.0, 45.0), run(10 * M, 310.0, 360.0)]
    runs[0].stage_wall, runs[0].stage_rss_mib = {"train": 20.0}, {"train": 300.0}
    setup = section.Setup("parquet", dvc_tracked=True, threads=1, load=(0.5, 1.5))
    text = section.render(runs, ["train"], setup)
    assert text.startswith("## Scale")
    assert "`make bench SCALE_ROWS=1000000,10000000`" in text
    assert "tracked by DVC" in text and "load average 0.5 at the start and 1.5" in text
    assert "| what | measured | target | result |" in text
    assert "| 1,000,000 | parquet | 40.0 | 45.0 | 1000 | 20.0 / 300 | 0.0 / 0.0 |" in text
    assert "| 10,000,000 | parquet | 310.0 | 360.0 | 1000 | - |" in text
