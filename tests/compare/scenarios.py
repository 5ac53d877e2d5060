"""Scenario repositories for report tests: main holds the reproduced pipeline, a PR branch
changes something, is reproduced and committed, and `tabml report` compares the two."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support import run

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
