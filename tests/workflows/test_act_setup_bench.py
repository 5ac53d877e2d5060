"""bench/act_setup.py's pure parts: act's step durations, the setup sum, the section it writes.

The benchmark itself runs the report job under act twice (minutes); `make bench-act` does that.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import act_setup
from measure import BenchError, write_section
from tests.workflows.pr_loop import REPORT_WORKFLOW

ROOT = Path(__file__).resolve().parents[2]
CACHE = "actions/cache@55cc8345863c7cc4c66a329aec7e433d2d1c52a9"
CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"
OUTPUT = f"""\
[PR report/Report and quality gate] ⭐ Run Set up job
[PR report/Report and quality gate]   ✅  Success - Set up job
[PR report/Report and quality gate]   ✅  Success - Main {CHECKOUT} [1.5s]
[PR report/Report and quality gate]   ✅  Success - Pre {CACHE} [1ms]
[PR report/Report and quality gate]   ✅  Success - Main python3 "$ACT_STANDIN_LIB/x.py" [9s]
[PR report/Report and quality gate]   ✅  Success - Main {CACHE} [250ms]
[PR report/Report and quality gate]   | Cache restored from key: dvc-Linux-abc
[PR report/Report and quality gate]   ✅  Success - Main {CACHE} [1m2.25s]
[PR report/Report and quality gate]   ✅  Success - Main make setup [3.5s]
[PR report/Report and quality gate]   ✅  Success - Main make run [10s]
[PR report/Report and quality gate]   ✅  Success - Main Quality gate [1s]
[PR report/Report and quality gate]   ✅  Success - Post {CACHE} [2s]
[PR report/Report and quality gate]   ✅  Success - Post {CACHE} [4s]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1m2.5s", 62.5), ("350.5ms", 0.3505), ("12µs", 12e-6), ("1h0m1s", 3601.0), ("7s", 7.0)],
)
def test_go_durations(text: str, expected: float) -> None:
    assert act_setup.go_duration(text) == pytest.approx(expected)


def test_a_garbled_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Go duration"):
        act_setup.go_duration("12 s")


def test_steps_are_named_by_their_cache_path_and_setup_ends_with_make_setup() -> None:
    labels = act_setup.step_labels(ROOT / REPORT_WORKFLOW)
    steps = act_setup.parse_steps(OUTPUT, labels)
    assert [name for name, _ in steps] == [
        "Main actions/checkout",
        "Main actions/cache (.venv)",
        "Main actions/cache (.dvc/cache)",
        "Main make setup",
        "Main make run",
        "Main Quality gate",
        "Post actions/cache (.dvc/cache)",  # act runs post steps last first
        "Post actions/cache (.venv)",
    ]
    assert act_setup.setup_seconds(steps) == pytest.approx(1.5 + 0.25 + 62.25 + 3.5)


def test_no_make_setup_is_an_error() -> None:
    with pytest.raises(BenchError, match="make setup"):
        act_setup.setup_seconds([("Main make run", 1.0)])


def test_a_run_whose_cache_did_something_else_is_refused() -> None:
    act_setup.expect([{"outcome": "hit"}, {"outcome": "hit"}], ["hit", "hit"], "warm")
    with pytest.raises(BenchError, match="warm run"):
        act_setup.expect([{"outcome": "hit"}, {"outcome": "miss"}], ["hit", "hit"], "warm")


def run(mode: str, setup: float, wall: float) -> act_setup.JobRun:
    return act_setup.JobRun(mode, [("Main make setup", setup), ("Main make run", 1.0)], setup, wall)


@pytest.mark.parametrize(("load", "busy"), [(0.4, False), (1.9, True)])
def test_the_section_holds_both_modes_the_load_and_the_caveat(
    tmp_path: Path, load: float, busy: bool
) -> None:
    body = act_setup.render([run("cold", 90.0, 200.0)], [run("warm", 12.0, 60.0)], (load, 0.5), 512)
    assert "| setup: checkout through `make setup` | **90.0 s** | **12.0 s** |" in body
    assert "| whole job (act's wall time) | 200.0 s | 60.0 s |" in body
    assert f"load average {load:.1f} at the start" in body
    assert ("measured while other work ran" in body) == busy
    assert "189 MiB" in body and "**cold**" in body and "**warm**" in body
    doc = tmp_path / "perf.md"
    doc.write_text(
        f"# P\n\n{act_setup.START}\nstale-body\n{act_setup.END}\n\ntail\n", encoding="utf-8"
    )
    write_section(doc, body, act_setup.START, act_setup.END)
    text = doc.read_text(encoding="utf-8")
    assert "stale-body" not in text and text.endswith("tail\n") and text.count(act_setup.START) == 1
