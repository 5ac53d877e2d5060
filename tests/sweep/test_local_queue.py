"""A real local sweep: `make sweep` queues the candidates with DVC's queue on a reproduced copy of
the repository, runs them and ranks them against HEAD (`tabml sweep show` lists them again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support import run

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
