"""Real sweeps: DVC's queue on a reproduced copy of the repository, and the CI pieces (run-one,
aggregate) on a small committed project, with a failing and a missing candidate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.support import FIXTURES, copy_repo, run

pytestmark = pytest.mark.slow
LR = "train.hist_gradient_boosting.learning_rate"


def body_rows(table: str) -> list[list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("| ") and "rank" not in line]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


def test_make_sweep_queues_runs_and_ranks_against_head(repo_copy: Path) -> None:
    sweep = repo_copy / "sweeps" / "test.yaml"
    sweep.write_text(
        yaml.safe_dump({"grid": {LR: [0.05, 0.3], "train.hist_gradient_boosting.max_iter": [30]}})
    )
    done = run(["make", "sweep", "SWEEP=sweeps/test.yaml", "JOBS=2"], repo_copy)
    table = done.stdout
    rows = body_rows(table)
    assert len(rows) == 3

    show = json.loads(run(["dvc", "exp", "show", "--json"], repo_copy).stdout)
    head = show[1]
    experiments = {g["name"]: g["revs"][-1] for g in head["experiments"]}
    assert len(experiments) == 2 and all(n.startswith("test-") for n in experiments)
    by_name = {row[1]: row for row in rows}
    values = {}
    for name, rev in experiments.items():
        metrics = json.loads(
            run(["git", "show", f"{rev['rev']}:reports/metrics.json"], repo_copy).stdout
        )
        params = yaml.safe_load(run(["git", "show", f"{rev['rev']}:params.yaml"], repo_copy).stdout)
        rate = params["train"]["hist_gradient_boosting"]["learning_rate"]
        row = by_name[name]
        assert row[2:4] == [f"`{rate}`", "`30`"]
        assert row[4] == f"{metrics['roc_auc']:.4f}"
        assert "[" in row[5] and "†" not in row[5]  # paired with HEAD's committed predictions
        values[name] = metrics["roc_auc"]
    head_sha = run(["git", "rev-parse", "HEAD"], repo_copy).stdout.strip()
    committed = json.loads(run(["git", "show", "HEAD:reports/metrics.json"], repo_copy).stdout)
    assert by_name[f"**HEAD ({head_sha[:7]})**"][4] == f"{committed['roc_auc']:.4f}"
    ranked = [row[1] for row in rows if not row[1].startswith("**")]
    assert ranked == sorted(values, key=values.__getitem__, reverse=True)
    assert [row[0] for row in rows] == ["1", "2", "3"]

    again = run(["tabml", "sweep", "show"], repo_copy).stdout
    assert {row[1] for row in body_rows(again)} == set(by_name)


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
