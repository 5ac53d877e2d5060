"""Assemble a comparison of the workspace (the PR) with its base: the data behind a report."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tabml.compare.base import resolve_base
from tabml.compare.bootstrap import Delta, Sample, bootstrap_deltas
from tabml.compare.gate import Check, SliceDelta, evaluate_gate
from tabml.compare.predictions import baseline_sample, classes, has_baseline, model_sample
from tabml.compare.revision import (
    LockStatus,
    Revision,
    flatten,
    head_status,
    load_revision,
)
from tabml.compare.schema import BaselineStrategy
from tabml.config import Params, ReportParams
from tabml.errors import TabmlError
from tabml.metrics import Task
from tabml.paths import PARAMS, PREDICTIONS, ROW_ID
from tabml.platform import git

PR_ROWS, BASE_ROWS = f"{PREDICTIONS} (this PR)", f"{PREDICTIONS} (the base)"


@dataclass(frozen=True)
class ParamChange:
    """A params key whose value differs between base and PR (None = absent)."""

    key: str
    base: Any
    pr: Any


@dataclass(frozen=True)
class InputChange:
    """A data input of the pipeline, with its hash and shape on each side."""

    path: str
    changed: bool
    base: Revision
    pr: Revision


@dataclass(frozen=True)
class BaselineComparison:
    """The PR's model against the trivial baseline on the PR's test rows (paired bootstrap).

    Each delta's `base` is the baseline's value and `pr` the model's. What the baseline predicts:
    binary, the prevalence `score` and majority `label`; multiclass, the most frequent class's
    name; regression, the training mean.
    """

    strategy: BaselineStrategy
    deltas: list[Delta]
    score: float | None = None
    label: int | None = None
    class_name: str | None = None
    mean: float | None = None


@dataclass(frozen=True)
class Comparison:
    """Everything the rendered report and the gate need."""

    base: Revision
    pr: Revision
    paired: bool
    deltas: list[Delta]
    slices: list[SliceDelta]
    params: list[ParamChange]
    inputs: list[InputChange]
    head_lock: LockStatus
    checks: list[Check]
    headline: str
    baseline: BaselineComparison | None = None
    task: Task = "binary"
    notes: tuple[str, ...] = ()  # shown as warnings at the top of the report
    bootstrap_rows: int | None = None  # the subsample resampled past report.bootstrap.max_rows

    @property
    def passed(self) -> bool:
        """True when every gate rule passed."""
        return all(check.passed for check in self.checks)

    def delta(self, metric: str) -> Delta:
        """The overall delta of one metric."""
        return next(d for d in self.deltas if d.metric == metric)


def params_diff(base: dict[str, Any], pr: dict[str, Any]) -> list[ParamChange]:
    """Only the keys that changed, added or removed."""
    old, new = flatten(base), flatten(pr)
    keys = sorted(set(old) | set(new))
    return [ParamChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def _dep_hashes(lock: dict[str, Any]) -> dict[str, str | None]:
    hashes: dict[str, str | None] = {}
    for stage in lock.get("stages", {}).values():
        for dep in stage.get("deps", []):
            hashes[dep["path"]] = dep.get("md5")
    return hashes


def inputs_diff(base: Revision, pr: Revision) -> list[InputChange]:
    """Each data input of either side, and whether its content hash changed."""
    old, new = _dep_hashes(base.lock), _dep_hashes(pr.lock)
    found = list(dict.fromkeys([*base.inputs, *pr.inputs]))
    return [InputChange(path, old.get(path) != new.get(path), base, pr) for path in found]


def align(base: pd.DataFrame, pr: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Both prediction tables in the same row order when they scored the same labelled rows."""
    if len(base) != len(pr) or set(base[ROW_ID]) != set(pr[ROW_ID]):
        return None
    base_sorted = base.sort_values(ROW_ID, kind="stable").reset_index(drop=True)
    pr_sorted = pr.sort_values(ROW_ID, kind="stable").reset_index(drop=True)
    if not np.array_equal(base_sorted["label"].to_numpy(), pr_sorted["label"].to_numpy()):
        return None
    return base_sorted, pr_sorted


def _sample(frame: pd.DataFrame, task: Task = "binary", where: str = PR_ROWS) -> Sample:
    return model_sample(frame, task, where)


def against_baseline(
    pr: pd.DataFrame, report: ReportParams, task: Task = "binary"
) -> BaselineComparison | None:
    """Model minus trivial baseline on the same rows; None when evaluate wrote no baseline."""
    if not has_baseline(pr, task):
        return None
    baseline = baseline_sample(pr, task, PR_ROWS)
    boot = report.bootstrap
    deltas = bootstrap_deltas(
        baseline,
        _sample(pr, task),
        report.metrics,
        paired=True,
        resamples=boot.samples,
        confidence=boot.confidence,
        seed=boot.seed,
        max_rows=boot.max_rows,
    )
    first = int(baseline.predicted[0])
    if task == "binary":
        return BaselineComparison("prevalence", deltas, float(baseline.scores[0]), first)
    if task == "multiclass":
        return BaselineComparison("most_frequent", deltas, class_name=classes(pr)[first])
    return BaselineComparison("mean", deltas, mean=float(baseline.predicted[0]))


def slice_deltas(
    frames: tuple[pd.DataFrame, pd.DataFrame],
    samples: tuple[Sample, Sample],
    groups: list[str],
    report: ReportParams,
    paired: bool,
) -> list[SliceDelta]:
    """Per group value: the headline and slice-gated metrics, base against PR.

    `samples` are the whole tables' scored rows, parsed once (`frames` give the group columns):
    each slice takes its rows from them rather than parsing its part of the table again."""
    metrics = list(dict.fromkeys([report.headline, *report.gate.max_slice_regression]))
    boot = report.bootstrap
    base, pr = frames
    found: list[SliceDelta] = []
    for group in groups:
        if group not in base.columns or group not in pr.columns:
            continue
        base_values = base[group].astype("string").fillna("(missing)")
        pr_values = pr[group].astype("string").fillna("(missing)")
        for value in sorted(set(base_values.unique()) & set(pr_values.unique())):
            b = samples[0].take(np.flatnonzero((base_values == value).to_numpy()))
            p = samples[1].take(np.flatnonzero((pr_values == value).to_numpy()))
            if p.task == "binary" and (
                np.unique(b.labels).size < 2 or np.unique(p.labels).size < 2
            ):
                continue  # ROC AUC needs both classes
            deltas = bootstrap_deltas(
                b,
                p,
                metrics,
                paired=paired,
                resamples=boot.samples,
                confidence=boot.confidence,
                seed=boot.seed,
                max_rows=boot.max_rows,
            )
            found += [SliceDelta(group, value, len(p.labels), delta) for delta in deltas]
    return found


def compare(
    params: Params, target: str, workspace: Path = Path(), scratch: Path | None = None
) -> Comparison:
    """Compare the reproduced workspace with the merge-base of `target` and HEAD.

    The workspace's `dvc status` (a DVC process, about a second) runs beside the base's
    worktree and its own `dvc status`; a workspace that is not reproduced is still the error
    reported, whatever the base did."""
    base_sha = git.merge_base(target, cwd=workspace)
    head_sha = git.rev_parse("HEAD", cwd=workspace)
    with ThreadPoolExecutor(max_workers=1) as pool:
        head = pool.submit(head_status, workspace)
        try:
            with tempfile.TemporaryDirectory(prefix="tabml-report-", dir=scratch) as tmp:
                base = resolve_base(base_sha, workspace, Path(tmp))
        except TabmlError:
            head.result()  # the workspace's own problem comes first
            raise
        head_lock = head.result()
    pr = load_revision(workspace, "PR", head_sha, "this workspace, reproduced", head_lock)
    return compare_revisions(params, base, pr, head_lock)


def compare_revisions(
    params: Params, base: Revision, pr: Revision, head_lock: LockStatus
) -> Comparison:
    """The comparison of two loaded revisions of one task, with the gate's verdict."""
    report, task = params.report, params.data.task
    notes: tuple[str, ...] = ()
    if base.task != task:  # e.g. the PR adopts a new table: nothing on the base to compare with
        notes = (
            f"{PARAMS}: data.task is '{task}' in this PR and '{base.task}' at the base "
            f"{base.sha[:7]}, so the PR is compared with itself: no change can show, and the "
            "trivial baseline is the gate's only comparison",
        )
        source = f"{base.source}; of another task ({base.task}), so this PR stands in for it"
        base = replace(base, outputs=pr.outputs, source=source)
    boot = report.bootstrap
    aligned = align(base.outputs.predictions, pr.outputs.predictions)
    base_rows, pr_rows = aligned or (base.outputs.predictions, pr.outputs.predictions)
    samples = _sample(base_rows, task, BASE_ROWS), _sample(pr_rows, task)
    deltas = bootstrap_deltas(
        *samples,
        report.metrics,
        paired=aligned is not None,
        resamples=boot.samples,
        confidence=boot.confidence,
        seed=boot.seed,
        max_rows=boot.max_rows,
    )
    slices = slice_deltas(
        (base_rows, pr_rows), samples, params.data.groups, report, aligned is not None
    )
    largest = max(len(base_rows), len(pr_rows))
    baseline = against_baseline(pr_rows, report, task)
    return Comparison(
        base=base,
        pr=pr,
        paired=aligned is not None,
        deltas=deltas,
        slices=slices,
        params=params_diff(base.params, pr.params),
        inputs=inputs_diff(base, pr),
        head_lock=head_lock,
        checks=evaluate_gate(
            report.gate,
            deltas,
            slices,
            head_lock,
            headline=report.headline,
            baseline=None if baseline is None else baseline.deltas,
        ),
        headline=report.headline,
        baseline=baseline,
        bootstrap_rows=boot.max_rows if largest > boot.max_rows else None,
        task=task,
        notes=notes,
    )
