"""Scenario repositories for report tests: main holds the reproduced pipeline, a PR branch
changes something, is reproduced and committed, and `tabml report` compares the two."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support import ROOT, run

Change = Callable[[Path], None]


@dataclass(frozen=True)
class Outcome:
    """What `tabml report` and `tabml gate` produced for one scenario."""

    repo: Path
    markdown: str
    summary: dict[str, Any]
    manifest: dict[str, Any]
    gate_exit: int
    gate_output: str

    def delta(self, metric: str) -> dict[str, Any]:
        return next(d for d in self.summary["deltas"] if d["metric"] == metric)


def set_params(**dotted: object) -> Change:
    """A change that sets dotted params keys, e.g. train.model='logistic_regression'."""

    def apply(repo: Path) -> None:
        path = repo / "params.yaml"
        params = yaml.safe_load(path.read_text())
        for key, value in dotted.items():
            *parents, leaf = key.replace("__", ".").split(".")
            node = params
            for part in parents:
                node = node[part]
            node[leaf] = value
        path.write_text(yaml.safe_dump(params, sort_keys=False))

    return apply


def run_scenario(
    base_repo: Path, target: Path, change: Change | None, reproduce: bool = True
) -> Outcome:
    """Branch off main in a copy, apply `change`, reproduce, commit, report and gate."""
    repo = target / "repo"
    shutil.copytree(base_repo, repo, symlinks=True)
    run(["git", "checkout", "-q", "-b", "pr"], repo)
    if change is not None:
        change(repo)
    if reproduce:
        run(["dvc", "repro"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "--allow-empty", "-m", "the PR's change"], repo)
    if not reproduce:  # CI reproduces before the report; the committed lock stays as it was
        run(["dvc", "repro"], repo)
    run(["tabml", "report", "--base", "main", "--pr", "7"], repo)
    gate = run(["tabml", "gate"], repo, check=False)
    out = repo / "reports" / "pr"
    return Outcome(
        repo=repo,
        markdown=(out / "report.md").read_text(),
        summary=json.loads((out / "report.json").read_text()),
        manifest=json.loads((out / "manifest.json").read_text()),
        gate_exit=gate.returncode,
        gate_output=gate.stdout + gate.stderr,
    )


def write_loans_repo(root: Path, rows: int = 1500) -> Path:
    """A git repository on a table that is not Adult: loans, a moderate signal (ROC AUC well
    under Adult's 0.9 floor), this repository's dvc.yaml and stage code, and params.yaml with no
    `report` section, so the report and gate run on the code's defaults. Reproduced, committed."""
    rng, lines = random.Random(11), ["loan_id,income,debt_ratio,purpose,region,defaulted"]
    for i in range(1, rows + 1):
        income, debt = rng.uniform(10, 200), rng.uniform(0, 1)
        purpose, region = rng.choice(["car", "home", "study"]), rng.choice(["east", "west"])
        risk = 0.1 + 0.35 * debt + 0.15 * (income < 50) + 0.1 * (purpose == "study")
        lines.append(f"{i},{income:.1f},{debt:.3f},{purpose},{region},{'ny'[rng.random() < risk]}")
    (root / "data/raw").mkdir(parents=True)
    (root / "data/raw/loans.csv").write_text("\n".join(lines) + "\n")
    category = {"type": "category", "categories": ["car", "home", "study"]}
    contract = {
        "loan_id": {"type": "integer", "min": 1},
        "income": {"type": "number", "min": 0},
        "debt_ratio": {"type": "number", "min": 0, "max": 1},
        "purpose": category,
        "region": {**category, "categories": ["east", "west"]},
        "defaulted": {**category, "categories": ["n", "y"]},
    }
    (root / "data/contract.yaml").write_text(yaml.safe_dump({"columns": contract}))
    data = {"path": "data/raw/loans.csv", "contract": "data/contract.yaml", "target": "defaulted"}
    params = {
        "data": {**data, "positive_label": "y", "id_column": "loan_id", "groups": ["region"]},
        "split": {"seed": 42},  # DVC wants every section its stages name
        "featurize": {"categorical": "native"},
        "train": {"seed": 42, "hist_gradient_boosting": {"max_iter": 30}},
        "evaluate": {"importance_repeats": 1, "importance_max_rows": 100},
    }
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return commit_pipeline(root, "loans: reproduced")


def commit_pipeline(root: Path, message: str) -> Path:
    """This repository's dvc.yaml and stage code next to a project's data and params, in a new
    git repository, reproduced and committed."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    code = {d for stage in stages for d in stage.get("deps", []) if d.startswith("src/")}
    for name in ["dvc.yaml", ".gitignore", *sorted(code)]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    run(["git", "init", "-q", "-b", "main"], root)
    run(["dvc", "init", "-q"], root)
    run(["dvc", "repro"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", message], root)
    return root
