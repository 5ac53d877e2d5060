"""What must hold before a commit is tagged as a model version or promoted to a stage.

Each check raises `TabmlError` with one sentence: a dirty work tree, a commit that is not on
main, a stale `dvc.lock` (judged like the PR report does, in a clean worktree of the commit),
and a quality gate that fails its absolute floors on the commit's own reports/metrics.json.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from tabml import paths
from tabml.compare.bootstrap import Delta
from tabml.compare.gate import Check, evaluate_gate
from tabml.compare.revision import LockStatus, checkout_status
from tabml.config import GateParams, load_params
from tabml.errors import TabmlError
from tabml.platform import git

MAIN_CANDIDATES = ("origin/main", "main")


def main_ref(explicit: str | None = None, cwd: Path = Path()) -> str:
    """The branch a release must come from: `explicit`, else origin/main, else main."""
    candidates = (explicit,) if explicit else MAIN_CANDIDATES
    for ref in candidates:
        try:
            git.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=cwd)
        except TabmlError:
            continue
        return str(ref)
    raise TabmlError(
        f"git branch {' or '.join(str(c) for c in candidates)} not found; fetch main first "
        "(actions/checkout needs fetch-depth: 0)"
    )


def check_clean(cwd: Path = Path()) -> None:
    """Refuse when tracked files have uncommitted changes."""
    changed = git.git("diff", "--name-only", "HEAD", "--", cwd=cwd).splitlines()
    if changed:
        first = changed[0]
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        raise TabmlError(
            f"the work tree is dirty ({first}{more} changed); commit or stash before tagging"
        )


def check_on_main(sha: str, main: str, cwd: Path = Path()) -> None:
    """Refuse a commit that the main branch does not contain."""
    try:
        git.git("merge-base", "--is-ancestor", sha, main, cwd=cwd)
    except TabmlError:
        raise TabmlError(
            f"commit {sha[:12]} is not on {main}; merge it into main before releasing it"
        ) from None


def check_lock(checkout: Path, sha: str) -> LockStatus:
    """Refuse when the commit's dvc.lock does not match its code, params and data."""
    status = checkout_status(checkout)
    if not status.fresh:
        raise TabmlError(
            f"dvc.lock at {sha[:12]} is stale ({status.reasons[0]}); "
            "run `dvc repro` and commit dvc.lock and reports/"
        )
    return status


def floor_checks(gate: GateParams, metrics: dict[str, Any]) -> list[Check]:
    """The gate's absolute floors on one revision's metrics (a release has no base to
    regress from, so only the floors apply)."""
    missing = [name for name in gate.floors if not isinstance(metrics.get(name), int | float)]
    if missing:
        raise TabmlError(f"{paths.METRICS} has no value for '{missing[0]}' (report.gate.floors)")
    floors_only = GateParams(floors=gate.floors, fail_on_stale_lock=False)
    values = [Delta(name, metrics[name], metrics[name], 0.0, 0.0, 0.0) for name in gate.floors]
    return evaluate_gate(floors_only, values, [], LockStatus(fresh=True))


def check_gate(checkout: Path, sha: str) -> list[Check]:
    """Refuse when the commit's metrics fall below a floor in its own params."""
    params = load_params(checkout / paths.PARAMS)
    metrics_file = checkout / paths.METRICS
    if not metrics_file.is_file():
        raise TabmlError(f"{paths.METRICS} is not committed at {sha[:12]}; run `dvc repro`")
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    checks = floor_checks(params.report.gate, metrics)
    failed = [check for check in checks if not check.passed]
    if failed:
        raise TabmlError(
            f"the quality gate fails at {sha[:12]}: {failed[0].rule} "
            f"but {failed[0].detail} in {paths.METRICS}"
        )
    return checks


def preflight(sha: str, main: str, cwd: Path = Path()) -> list[Check]:
    """Every check, cheapest first; returns the gate's checks when all pass."""
    check_clean(cwd)
    check_on_main(sha, main, cwd)
    with (
        tempfile.TemporaryDirectory(prefix="tabml-release-") as scratch,
        git.worktree(sha, Path(scratch) / "checkout", cwd=cwd) as checkout,
    ):
        check_lock(checkout, sha)
        return check_gate(checkout, sha)
