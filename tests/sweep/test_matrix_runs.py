"""The sweep's CI pieces for real: `tabml sweep run-one` and `aggregate` on a small committed
project, with a failing and a missing candidate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.support import FIXTURES, copy_repo, run
from tests.sweep.test_local_queue import body_rows

pytestmark = pytest.mark.slow


def small_repo(root: Path) -> Path:
    """A git copy of the template on the 600-row sample, reproduced and committed on main."""
    repo = copy_repo(root)
    shutil.copy(FIXTURES / "adult_sample.csv", repo / "data" / "raw" / "adult.csv")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"]["hist_gradient_boosting"]["max_iter"] = 30
    params["evaluate"]["importance_repeats"] = 2
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "repro"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "small baseline"], repo)
    return repo


def test_run_one_and_aggregate_keep_failed_and_missing_candidates(tmp_path: Path) -> None:
    repo = small_repo(tmp_path / "repo")
    grid = json.dumps({"data.path": ["data/raw/adult.csv", "data/raw/gone.csv", "data/raw/x.csv"]})
    results = repo / "sweep-results"
    ok = run(
        [
            "tabml",
            "sweep",
            "run-one",
            "--index",
            "0",
            "--grid",
            grid,
            "--out-dir",
            str(results / "sweep-candidate-0"),
        ],
        repo,
    )
    assert "candidate 0 done" in ok.stderr
    failed = run(
        [
            "tabml",
            "sweep",
            "run-one",
            "--index",
            "1",
            "--grid",
            grid,
            "--out-dir",
            str(results / "sweep-candidate-1"),
        ],
        repo,
        check=False,
    )
    assert failed.returncode == 1 and "candidate 1 (data.path=data/raw/gone.csv)" in failed.stderr
    info = json.loads((results / "sweep-candidate-1" / "candidate.json").read_text())
    assert info["status"] == "failed" and info["error"].startswith("dvc exp run exited")

    summary = tmp_path / "summary.md"
    done = run(
        [
            "env",
            f"GITHUB_STEP_SUMMARY={summary}",
            "tabml",
            "sweep",
            "aggregate",
            "--results",
            str(results),
            "--grid",
            grid,
            "--base",
            "main",
            "--out",
            str(tmp_path / "t.md"),
        ],
        repo,
    )
    table = (tmp_path / "t.md").read_text()
    assert summary.read_text() == table and done.stdout == table
    rows = body_rows(table)
    assert [row[1] for row in rows][2:] == ["candidate 1", "candidate 2"]
    assert rows[2][0] == "—" and "**failed**: dvc exp run exited" in rows[2][5]
    assert "**failed**: no artifact (the job failed early)" in rows[3][5]
    # Candidate 0 is main's own params: the same predictions, so a zero delta within noise.
    assert {rows[0][1], rows[1][1]} == {
        "candidate 0",
        f"**main ({run(['git', 'rev-parse', '--short=7', 'main'], repo).stdout.strip()})**",
    }
    zero = next(row for row in rows if row[1] == "candidate 0")
    assert zero[4] == "+0.0000 [+0.0000, +0.0000]" and zero[5] == "within noise"
    committed = pd.read_csv(repo / "reports" / "predictions.csv")
    collected = pd.read_csv(results / "sweep-candidate-0" / "predictions.csv")
    pd.testing.assert_frame_equal(committed, collected)
    assert table.splitlines()[-1] == "2 of 3 runs did not finish: candidate 1, candidate 2."

    none = run(
        ["tabml", "sweep", "aggregate", "--results", str(tmp_path / "empty"), "--grid", grid],
        repo,
        check=False,
    )
    assert none.returncode == 1 and "none of the 3 candidates succeeded" in none.stderr
