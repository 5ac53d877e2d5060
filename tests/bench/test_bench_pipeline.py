"""The pure helpers of bench/pipeline.py: markdown sections, numbers, data replication."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support import ROOT


def load_bench() -> ModuleType:
    """Import bench/pipeline.py, which is a script rather than part of the package."""
    spec = importlib.util.spec_from_file_location("bench_pipeline", ROOT / "bench" / "pipeline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


bench = load_bench()
START, END = bench.START_MARK, bench.END_MARK
OTHER = "<!-- bench:serve:start -->\n## Serving\nkept\n<!-- bench:serve:end -->"


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
    assert bench.median([3.0, 1.0, 2.0, 10.0]) == 2.5
    assert bench.seconds(0.5432) == "0.54 s"
    assert bench.seconds(61.27) == "61.3 s"
    assert bench.times(61.27 / 12.1) == "5.1x"
    assert bench.run_list([1.0, 2.345]) == "1.00, 2.35"
    assert bench.verdict(True) == "PASS"
    assert "FAIL" in bench.verdict(False)
    with pytest.raises(ValueError):
        bench.median([])


@pytest.mark.parametrize(("power", "expected"), [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)])
def test_growth_exponent_recovers_the_power(power: float, expected: float) -> None:
    sizes = [1_000, 4_000, 16_000]
    assert bench.growth_exponent(sizes, [3.0 * size**power for size in sizes]) == pytest.approx(
        expected
    )
    with pytest.raises(ValueError):
        bench.growth_exponent([5, 5], [1.0, 2.0])


def test_replicate_csv_repeats_rows_under_one_header() -> None:
    assert bench.replicate_csv("a,b\n1,2\n3,4\n", 2) == "a,b\n1,2\n3,4\n1,2\n3,4\n"
    assert bench.replicate_csv("a,b\n1,2", 3) == "a,b\n1,2\n1,2\n1,2\n"
    with pytest.raises(ValueError):
        bench.replicate_csv("a\n1\n", 0)


def test_parse_scales_sorts_and_rejects_nonsense() -> None:
    assert bench.parse_scales("16, 1,4,4") == [1, 4, 16]
    assert bench.parse_scales("") == []
    with pytest.raises(argparse.ArgumentTypeError):
        bench.parse_scales("0,2")


def floor_run(wall: float, work: float) -> Any:
    return bench.FloorRun(
        total=bench.Timing(wall, wall),
        imports=bench.Timing(1.5, 1.4),
        work=bench.Timing(work, work),
        max_rss_mib=300.0,
    )


def test_summary_fails_the_targets_that_are_missed() -> None:
    slow = bench.PipelineResult(
        repro=[bench.Timing(12.0, 10.0)],
        commands=[bench.Timing(9.0, 8.0)],
        floor=[floor_run(4.0, 2.0)],
        noop=[bench.Timing(1.2, 0.9)],
        same_metrics=True,
    )
    install = bench.InstallResult(80, "25.0", uv_plain=[5.0], uv_compiled=[20.0], pip=[60.0])
    rows = bench.summary_rows(slow, install, [])
    assert [row[-1] for row in rows] == [bench.verdict(False)] * 3
    assert rows[0][1] == "3.0x (12.0 s / 4.00 s); CPU 2.5x"


def test_summary_passes_the_targets_that_are_met() -> None:
    fast = bench.PipelineResult(
        repro=[bench.Timing(8.0, 7.0)],
        commands=[bench.Timing(7.0, 6.0)],
        floor=[floor_run(4.0, 2.0)],
        noop=[bench.Timing(0.6, 0.5)],
        same_metrics=True,
    )
    install = bench.InstallResult(80, "25.0", uv_plain=[2.0], uv_compiled=[6.0], pip=[60.0])
    scaling = [
        bench.ScaleResult(copies, 1000 * copies, [floor_run(9.0, 2.0 * copies)])
        for copies in (1, 4, 16)
    ]
    rows = bench.summary_rows(fast, install, scaling)
    assert [row[-1] for row in rows] == ["PASS"] * 4
    assert rows[-1][1] == "k = 1.00 (CPU 1.00)"


def test_timings_add_and_subtract() -> None:
    total = bench.Timing(5.0, 4.0) - bench.Timing(1.0, 0.5) + bench.Timing(0.5, 0.5)
    assert total == bench.Timing(4.5, 4.0)
    assert bench.walls([total]) == [4.5]
    assert bench.cpus([total]) == [4.0]


def test_snapshot_project_replicates_the_table_that_params_name(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "data" / "raw").mkdir(parents=True)
    (repo / "params.yaml").write_text("data:\n  path: data/raw/t.csv\n  contract: data/c.yaml\n")
    (repo / "data" / "c.yaml").write_text("columns: {}\n")
    (repo / "data" / "raw" / "t.csv").write_text("a,b\n1,x\n2,y\n")
    target = tmp_path / "x3"
    rows = bench.Snapshot(repo, {}).project(target, 3)
    assert rows == 6
    assert (target / "data" / "raw" / "t.csv").read_text() == "a,b\n" + "1,x\n2,y\n" * 3
    assert (target / "data" / "c.yaml").read_text() == "columns: {}\n"
    assert (target / "params.yaml").exists()


def test_a_measured_command_shows_its_elapsed_time_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tabml import progress

    monkeypatch.setenv("TABML_PROGRESS", "plain")
    for name, value in (("INTERVAL", 0.05), ("QUIET", 0.0), ("HEARTBEAT", 0.01)):
        monkeypatch.setattr(progress, name, value)
    cmd = [sys.executable, "-c", "import time; time.sleep(0.3)"]
    run = bench.measure(cmd, tmp_path, {})
    lines = capsys.readouterr().err.splitlines()
    said = f"{Path(sys.executable).name} -c import time; time.sleep(0.3)"
    assert bench.command_label(cmd) == said
    label = f"[bench] {said}"
    assert len(lines) >= 3 and all(line.startswith(f"{label}: ") for line in lines)
    assert lines[-1].startswith(f"{label}: done in ") and run.timing.wall >= 0.3
