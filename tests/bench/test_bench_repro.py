"""bench/repro.py: the one-stage DVC pipeline whose no-op is the floor of the project's no-op."""

from __future__ import annotations

from pathlib import Path

import pytest

import repro
from measure import tool_env


def test_is_noop_tells_a_skipped_repro_from_one_that_ran() -> None:
    skipped = "Stage 'copy' didn't change, skipping\nData and pipelines are up to date.\n"
    ran = "Running stage 'copy':\n> cp input.txt output.txt\nUpdating lock file 'dvc.lock'\n"
    assert repro.is_noop(skipped)
    assert not repro.is_noop(ran)
    assert not repro.is_noop(ran + "Data and pipelines are up to date.\n")


def test_the_one_stage_project_is_reproduced_and_then_a_no_op(tmp_path: Path) -> None:
    env = tool_env(DVC_SITE_CACHE_DIR=str(tmp_path / "dvc-site"))
    project = repro.one_stage_project(tmp_path / "one-stage", env)
    assert (project / "output.txt").read_text() == (project / "input.txt").read_text()
    lock = (project / "dvc.lock").read_text()
    assert "input.txt" in lock and "output.txt" in lock
    assert repro.noop_repro(project, env).wall > 0  # raises BenchError unless a no-op


@pytest.mark.slow  # three real dvc stages, then a no-op (about 5 s)
def test_a_chain_of_trivial_stages_runs_in_order_and_then_is_a_no_op(tmp_path: Path) -> None:
    env = tool_env(DVC_SITE_CACHE_DIR=str(tmp_path / "dvc-site"))
    project = repro.one_stage_project(tmp_path / "chain", env, stages=3)
    assert (project / "output.txt").read_text() == "one stage\n"
    lock = (project / "dvc.lock").read_text()
    assert all(f"copy{n}:" in lock for n in (1, 2, 3)) and "output2.txt" in lock
    assert repro.noop_repro(project, env).wall > 0
