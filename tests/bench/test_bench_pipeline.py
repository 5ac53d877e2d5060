"""bench/pipeline.py and its shared helpers (bench/measure.py, bench/repro.py,
bench/data_growth.py): markdown sections, numbers, data replication, the summary's targets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

import data_growth
import install_choice
import measure
import pipeline as bench
import repro
import stage_imports
import startup
from measure import Timing

START, END = bench.START_MARK, bench.END_MARK
OTHER = "<!-- bench:serve:start -->\n## Serving\nkept\n<!-- bench:serve:end -->"


def test_pipeline_still_exports_what_the_other_benchmarks_import() -> None:
    # bench/report.py, scale.py, scale_section.py, report_scale.py and serve.py import these.
    for name in ("copy_repo", "log", "markdown_table", "measure", "replace_section", "tool_env"):
        assert getattr(bench, name) is getattr(measure, name)
    for name in ("verdict", "THREAD_VARS", "git_output", "growth_exponent"):
        assert getattr(bench, name) is getattr(measure, name)


def test_replace_section_swaps_only_its_own_block() -> None:
    document = f"# Performance\n\nintro\n\n{START}\nold numbers\n{END}\n\n{OTHER}\n"
    updated = bench.replace_section(document, "## Pipeline\nnew numbers\n")
    assert (
        updated
        == f"# Performance\n\nintro\n\n{START}\n## Pipeline\nnew numbers\n{END}\n\n{OTHER}\n"
    )
    assert bench.replace_section(updated, "## Pipeline\nnew numbers") == updated


def test_replace_section_appends_when_the_markers_are_missing() -> None:
    assert bench.replace_section(f"# Performance\n\n{OTHER}\n", "body") == (
        f"# Performance\n\n{OTHER}\n\n{START}\nbody\n{END}\n"
    )
    assert bench.replace_section("", "body") == f"{START}\nbody\n{END}\n"


@pytest.mark.parametrize(
    "document", [f"{START}\nno end", f"{END}\n{START}\n", f"{START}{END}{START}{END}"]
)
def test_replace_section_refuses_broken_markers(document: str) -> None:
    with pytest.raises(ValueError, match="bench:pipeline"):
        bench.replace_section(document, "body")


def test_write_section_creates_the_file_with_an_intro(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "performance.md"
    bench.write_section(target, "## Pipeline\nnumbers")
    text = target.read_text()
    assert text.startswith("# Performance\n")
    assert text.endswith(f"{START}\n## Pipeline\nnumbers\n{END}\n")


def test_numbers_are_formatted_for_reading() -> None:
    assert measure.median([3.0, 1.0, 2.0, 10.0]) == 2.5
    assert measure.seconds(0.5432) == "0.54 s"
    assert measure.seconds(61.27) == "61.3 s"
    assert measure.times(61.27 / 12.1) == "5.1x"
    assert measure.run_list([1.0, 2.345]) == "1.00, 2.35"
    assert measure.verdict(True) == "PASS"
    assert "FAIL" in measure.verdict(False)
    assert measure.met(True) == "met"
    assert measure.met(False) == "**not met**"
    with pytest.raises(ValueError):
        measure.median([])


def test_ratio_divides_the_medians_of_wall_and_of_cpu() -> None:
    slow = [Timing(9.0, 3.0), Timing(6.0, 2.0), Timing(30.0, 4.0)]
    fast = [Timing(3.0, 1.0), Timing(2.0, 2.0)]
    assert measure.ratio(slow, fast) == pytest.approx((9.0 / 2.5, 3.0 / 1.5))


@pytest.mark.parametrize(("power", "expected"), [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)])
def test_growth_exponent_recovers_the_power(power: float, expected: float) -> None:
    sizes = [1_000, 4_000, 16_000]
    assert measure.growth_exponent(sizes, [3.0 * size**power for size in sizes]) == pytest.approx(
        expected
    )
    with pytest.raises(ValueError):
        measure.growth_exponent([5, 5], [1.0, 2.0])


def test_replicate_csv_repeats_rows_under_one_header() -> None:
    assert repro.replicate_csv("a,b\n1,2\n3,4\n", 2) == "a,b\n1,2\n3,4\n1,2\n3,4\n"
    assert repro.replicate_csv("a,b\n1,2", 3) == "a,b\n1,2\n1,2\n1,2\n"
    with pytest.raises(ValueError):
        repro.replicate_csv("a\n1\n", 0)


def test_parse_scales_sorts_and_rejects_nonsense() -> None:
    assert data_growth.parse_scales("16, 1,4,4") == [1, 4, 16]
    assert data_growth.parse_scales("") == []
    with pytest.raises(argparse.ArgumentTypeError):
        data_growth.parse_scales("0,2")


def floor_run(wall: float, work: float) -> repro.FloorRun:
    return repro.FloorRun(
        total=Timing(wall, wall),
        imports=Timing(1.5, 1.4),
        work=Timing(work, work),
        max_rss_mib=300.0,
    )


def results(
    repro_wall: float, noop_wall: float, help_wall: float, scales: tuple[int, ...] = ()
) -> bench.Results:
    """Results with a 4 s floor, a 1 s one-stage no-op and a 20 ms bare interpreter."""
    pipeline = repro.PipelineResult(
        repro=[Timing(repro_wall, repro_wall * 0.8)],
        commands=[Timing(9.0, 8.0)],
        floor=[floor_run(4.0, 2.0)],
        noop=[Timing(noop_wall, 0.5)],
        one_stage_noop=[Timing(1.0, 0.5)],
        same_metrics=True,
        chain_noop=[Timing(1.1, 0.6)],
    )
    started = startup.StartupResult(
        help=[Timing(help_wall, help_wall)], bare=[Timing(0.02, 0.02)], imports=[]
    )
    scaling = [
        data_growth.ScaleResult(copies, 1000 * copies, [floor_run(9.0, 2.0 * copies)])
        for copies in scales
    ]
    setup = install_choice.Setup(compile_bytecode=True, caches_venv=False, caches_uv_downloads=True)
    imports = stage_imports.StageImports(
        dict.fromkeys(stage_imports.STAGES, 1.0),
        dict.fromkeys(stage_imports.STAGES, 0.0),
        dict.fromkeys(stage_imports.STAGES, 0.0),
    )
    return bench.Results(pipeline, imports, started, None, setup, scaling, 1, 1, (0.5, 0.5))


def test_summary_misses_the_targets_that_are_missed() -> None:
    rows = bench.summary_rows(results(repro_wall=10.0, noop_wall=1.3, help_wall=0.7))
    by_what = {row[0]: row for row in rows}
    full = by_what["full `dvc repro --force` / one-process floor"]
    assert full[1:] == ["2.5x (10.0 s / 4.00 s); CPU 2.0x", "≤ 2.0x", "**not met**"]
    noop = by_what["no-op `dvc repro` / DVC's no-op on a one-stage pipeline"]
    assert noop[1].startswith("1.30x (1.30 s / 1.00 s)") and noop[-1] == "**not met**"
    assert by_what["`tabml --help`"][-1] == "**not met**"
    over = by_what["`tabml --help` / bare `python -c pass`"]
    assert over[1] == "35.0x (700 ms / 20 ms)" and over[-1] == "**not met**"
    assert rows[-1][1:] == [
        "skipped (`--skip-install`)",
        "the project's setup (uv with bytecode)",
        "-",
    ]


def test_summary_meets_the_targets_that_are_met() -> None:
    rows = bench.summary_rows(results(8.0, 1.2, 0.5, scales=(1, 4, 16)))
    assert [row[-1] for row in rows[:4]] == ["met"] * 4
    assert rows[-1][1:] == ["k = 1.00 (CPU 1.00)", "k ≤ 1.1 (linear)", "met"]


def test_the_pipeline_table_sets_the_project_noop_beside_the_one_stage_noop() -> None:
    rows = repro.pipeline_rows(results(8.0, 1.2, 0.5).pipeline)
    names = [row[0] for row in rows]
    assert names[-3:] == [
        "no-op `dvc repro` of this project (nothing changed)",
        "no-op `dvc repro` of a one-stage pipeline (one dep, one out)",
        "no-op `dvc repro` of 5 trivial stages in a chain (one dep, one out each)",
    ]
    assert [row[1] for row in rows[-3:]] == ["1.20 s", "1.00 s", "1.10 s"]


def test_the_noop_note_tells_dvcs_per_stage_cost_from_the_projects() -> None:
    note = repro.noop_note(results(8.0, 1.2, 0.5).pipeline)
    assert "5 trivial stages in a chain take 1.10 s against one stage's 1.00 s (1.10x)" in note
    assert "this project's 5 stages 1.20 s, 1.09x the chain" in note


def test_timings_add_and_subtract() -> None:
    total = Timing(5.0, 4.0) - Timing(1.0, 0.5) + Timing(0.5, 0.5)
    assert total == Timing(4.5, 4.0)
    assert measure.walls([total]) == [4.5]
    assert measure.cpus([total]) == [4.0]


def test_snapshot_project_replicates_the_table_that_params_name(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "data" / "raw").mkdir(parents=True)
    (repo / "params.yaml").write_text("data:\n  path: data/raw/t.csv\n  contract: data/c.yaml\n")
    (repo / "data" / "c.yaml").write_text("columns: {}\n")
    (repo / "data" / "raw" / "t.csv").write_text("a,b\n1,x\n2,y\n")
    target = tmp_path / "x3"
    rows = repro.Snapshot(repo, {}).project(target, 3)
    assert rows == 6
    assert (target / "data" / "raw" / "t.csv").read_text() == "a,b\n" + "1,x\n2,y\n" * 3
    assert (target / "data" / "c.yaml").read_text() == "columns: {}\n"
    assert (target / "params.yaml").exists()


def test_the_bench_environment_writes_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    # With PYTHONDONTWRITEBYTECODE set, every `tabml` run would compile the snapshot's modules.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = measure.tool_env(EXTRA="x")
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["EXTRA"] == "x"
    assert env["PATH"].startswith(str(measure.BIN))


def test_a_measured_command_shows_its_elapsed_time_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tabml import progress

    monkeypatch.setenv("TABML_PROGRESS", "plain")
    for name, value in (("INTERVAL", 0.05), ("QUIET", 0.0), ("HEARTBEAT", 0.01)):
        monkeypatch.setattr(progress, name, value)
    cmd = [sys.executable, "-c", "import time; time.sleep(0.3)"]
    run = measure.measure(cmd, tmp_path, {})
    lines = capsys.readouterr().err.splitlines()
    said = f"{Path(sys.executable).name} -c import time; time.sleep(0.3)"
    assert measure.command_label(cmd) == said
    label = f"[bench] {said}"
    assert len(lines) >= 3 and all(line.startswith(f"{label}: ") for line in lines)
    assert lines[-1].startswith(f"{label}: done in ") and run.timing.wall >= 0.3


def test_render_states_every_target_and_describes_each_measurement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench, "git_head", lambda: "`abc1234`")
    monkeypatch.setattr(bench, "machine_lines", lambda threads, load: ["- a machine"])
    text = bench.render(results(8.0, 1.3, 0.4, scales=(1, 4)))
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "## Pipeline",
        "### The full pipeline and the no-op: DVC against its floors",
        "### Start-up: `tabml --help` against a bare interpreter",
        "### Installing from the lock",
        "### Scaling with the data",
        "### Machine",
    ]
    summary = [line for line in text.splitlines() if line.endswith(("| met |", "| **not met** |"))]
    assert len(summary) == 5  # repro, help, help ratio, no-op, scaling; install was skipped
    assert "| 1.30x (1.30 s / 1.00 s); CPU 1.00x | ≤ 1.2x | **not met** |" in text
    assert "at commit `abc1234`" in text and text.rstrip().endswith(bench.FILED)


def test_a_long_command_is_named_short() -> None:
    code = "import dvc.repo; from tabml.stages import evaluate, featurize, prepare"
    label = measure.command_label(["/venv/bin/python", "-c", code])
    assert label == "python -c " + code[:37] + "..."
