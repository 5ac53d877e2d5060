"""Helpers for the release tests' git + DVC repositories."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support import ROOT, repo_files, run

GOOD_SCORES = {"roc_auc": 0.93, "accuracy": 0.88, "f1": 0.72, "n_test": 100}
GATE_DVC_YAML = {
    "stages": {
        "evaluate": {
            "cmd": "mkdir -p reports && cp scores.json reports/metrics.json",
            "deps": ["scores.json"],
            "params": ["report.gate"],
            "metrics": [{"reports/metrics.json": {"cache": False}}],
        }
    },
    "artifacts": {"model": {"path": "models/model.skops", "type": "model"}},
}
STAGES = ("validate", "prepare", "featurize", "train", "evaluate")


def commit(repo: Path, message: str = "change") -> str:
    """Commit everything; return the new HEAD."""
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", message], repo)
    return run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


def write_scores(repo: Path, **scores: float) -> None:
    """Replace the gate pipeline's input scores."""
    (repo / "scores.json").write_text(json.dumps({**GOOD_SCORES, **scores}, indent=2) + "\n")


IMAGE_INPUTS = ("pyproject.toml", "uv.lock", "README.md", "LICENSE", "Dockerfile")


def copy_image_inputs(repo: Path) -> None:
    """What a release copies and builds its wheel from: the package's files, its lock and the
    Dockerfile (the tests' small projects otherwise hold only the stages' code)."""
    for name in [*IMAGE_INPUTS, *(n for n in repo_files() if n.startswith("src/"))]:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, repo / name)
