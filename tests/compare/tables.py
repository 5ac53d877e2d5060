"""Small revisions of each task written to disk in the stages' shared format (tasks spec):
reports/predictions.csv (with the trivial baseline's columns), metrics.json, slices.json, the
binary curve files, params.yaml and an empty dvc.lock. No pipeline, no git: fast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import precision_recall_curve, roc_curve

from tabml.compare.report import Comparison, compare_revisions
from tabml.compare.revision import LockStatus, Revision, load_revision
from tabml.config import Params
from tabml.metrics import Task

CLASSES = ["bird", "cat", "dog"]


def predictions(task: Task, rows: int = 300, skill: float = 0.8, seed: int = 0) -> pd.DataFrame:
    """One revision's predictions: `skill` 0 scores noise, 1 knows the answer. The labels and
    row ids depend on `seed` only through `rows`, so two skills share the same rows."""
    truth = np.random.default_rng(rows)
    noise = np.random.default_rng(seed + 1000)
    frame = pd.DataFrame({"row_id": np.arange(rows)})
    region = np.where(np.arange(rows) % 5 == 0, "north", "south")
    if task == "binary":
        labels = (truth.random(rows) < 0.3).astype(int)
        scores = np.round(skill * labels + (1 - skill) * noise.random(rows), 3)
        frame = frame.assign(label=labels, score=scores, predicted=(scores >= 0.5).astype(int))
        return frame.assign(baseline_score=0.3, baseline_predicted=0, region=region)
    if task == "regression":
        labels = truth.normal(50_000, 10_000, rows).round(2)
        guess = labels + noise.normal(0, 20_000 * (1 - skill) + 100, rows)
        frame = frame.assign(label=labels, predicted=guess.round(2), baseline_predicted=50_000.0)
        return frame.assign(region=region)
    codes = truth.choice(len(CLASSES), rows, p=[0.5, 0.3, 0.2])
    raw = skill * np.eye(len(CLASSES))[codes] + (1 - skill) * 2 * noise.random((rows, 3))
    probabilities = raw / raw.sum(axis=1, keepdims=True)
    named = np.array(CLASSES)
    frame = frame.assign(
        label=named[codes], predicted=named[probabilities.argmax(axis=1)], baseline_predicted="bird"
    )
    for i, name in enumerate(CLASSES):
        frame[f"score:{name}"] = probabilities[:, i].round(4)
    for name, share in zip(CLASSES, (0.5, 0.3, 0.2), strict=True):
        frame[f"baseline_score:{name}"] = share
    return frame.assign(region=region)


def params(task: Task, **report: Any) -> dict[str, Any]:
    """params.yaml of a small project of `task` (report keys as given, else the defaults)."""
    data: dict[str, Any] = {"path": "data/t.csv", "contract": "data/c.yaml", "target": "y"}
    data |= {"task": task, "groups": ["region"]}
    if task == "binary":
        data["positive_label"] = "yes"
    bootstrap = {"samples": 200}
    return {"data": data, "report": {"bootstrap": bootstrap, **report}}


def write_side(root: Path, frame: pd.DataFrame, settings: dict[str, Any]) -> Path:
    """A revision's files under `root`, as the evaluate stage and a commit leave them."""
    (root / "reports/plots").mkdir(parents=True, exist_ok=True)
    (root / "params.yaml").write_text(yaml.safe_dump(settings))
    (root / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")
    (root / "reports/metrics.json").write_text(json.dumps({"n_test": len(frame)}))
    (root / "reports/slices.json").write_text("{}")
    frame.to_csv(root / "reports/predictions.csv", index=False)
    if settings["data"]["task"] == "binary":
        fpr, tpr, _ = roc_curve(frame["label"], frame["score"])
        precision, recall, _ = precision_recall_curve(frame["label"], frame["score"])
        pd.DataFrame({"fpr": fpr, "tpr": tpr}).to_csv(root / "reports/plots/roc.csv", index=False)
        curve = pd.DataFrame({"recall": recall[::-1], "precision": precision[::-1]})
        curve.to_csv(root / "reports/plots/precision_recall.csv", index=False)
    return root


def revision(root: Path, label: str, sha: str) -> Revision:
    return load_revision(root, label, sha, f"committed outputs at `{sha[:7]}`", LockStatus(True))


def comparison(
    tmp: Path, task: Task, base: pd.DataFrame, pr: pd.DataFrame, **report: Any
) -> Comparison:
    """Both sides written under `tmp`, read back and compared with the gate's verdict."""
    settings = params(task, **report)
    base_side = revision(write_side(tmp / "base", base, settings), "base", "b" * 40)
    pr_side = revision(write_side(tmp / "pr", pr, settings), "PR", "a" * 40)
    return compare_revisions(Params.model_validate(settings), base_side, pr_side, LockStatus(True))
