"""The steps of a retrain run, each one `tabml retrain` command: build, commit, report, push.

Each reads and writes the files the next step expects (retrain-build.json, the table and its
provenance, params.yaml, retrain-decision.json), so a workflow can run them as separate steps.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabml import io, paths
from tabml.config import Params, load_params
from tabml.errors import TabmlError
from tabml.retrain.decide import Decision

if TYPE_CHECKING:
    from tabml.retrain.build import TableBuild

Status = Callable[[str], AbstractContextManager[Any]]


def _silent(_: str) -> AbstractContextManager[Any]:
    return nullcontext()


def build(params_file: Path) -> TableBuild:
    """Write the training table (base + batches, per `retrain`) and point data.path at it;
    record the build in retrain-build.json. Refuses uncommitted params."""
    import yaml

    from tabml.contract import load_contract
    from tabml.platform import git
    from tabml.retrain.build import build_table, provenance_path

    params = load_params(params_file)
    if git.is_dirty([str(params_file)]):
        raise TabmlError(f"{params_file}: uncommitted changes; commit them before a retrain")
    contract = load_contract(params.data.contract)
    result = build_table(params, contract, params_file.read_text(encoding="utf-8"))
    if result.changed:
        table = params.retrain.table
        io.write_bytes(table, result.table)
        record = yaml.safe_dump(result.provenance, sort_keys=False)
        io.write_bytes(provenance_path(table), record.encode())
        io.write_bytes(params_file, result.params_text.encode())
    io.write_json(paths.RETRAIN_BUILD, result.info(params))
    return result


def files_to_commit(params: Params, params_file: Path) -> list[str]:
    """What a retrain commits: params, dvc.lock, reports, the table, its provenance, the
    batches; only those that exist."""
    from tabml.retrain.build import provenance_path

    retrain = params.retrain
    candidates = [
        params_file,
        paths.DVC_LOCK,
        paths.REPORTS_DIR,
        retrain.table,
        provenance_path(retrain.table),
        retrain.incoming,
    ]
    return [str(path) for path in candidates if path.exists()]


def commit(params_file: Path) -> tuple[str | None, str]:
    """Commit the built table, params, dvc.lock and reports on the retrain branch.

    Returns the commit's SHA and the branch, or None and why there was nothing to commit.
    """
    from tabml.retrain.branch import commit_on_branch

    params = load_params(params_file)
    built = io.read_json(paths.RETRAIN_BUILD)
    if not built["changed"]:
        return None, str(built["reason"])
    retrain = params.retrain
    message = f"Retrain: {built['reason']}, {built['rows']} rows in {retrain.table}"
    sha = commit_on_branch(retrain.branch, files_to_commit(params, params_file), message)
    return sha, retrain.branch


def report(params: Params, status: Status = _silent) -> tuple[Decision, str | None]:
    """Compare with `retrain.main` (the PR report and gate) and decide: PR, issue or nothing.
    Writes the report and the decision; returns the decision and the report's markdown."""
    from tabml.compare.render import render
    from tabml.compare.report import compare
    from tabml.compare.summary import summary
    from tabml.platform import actions
    from tabml.retrain.decide import decide

    built = io.read_json(paths.RETRAIN_BUILD)
    result, markdown = None, None
    if built["changed"]:
        with status(f"comparing with {params.retrain.main}"):
            comparison = compare(params, params.retrain.main)
        markdown, result = render(comparison), summary(comparison)
        io.write_bytes(paths.PR_REPORT_MD, markdown.encode())
        io.write_json(paths.PR_REPORT_JSON, result)
    decision = decide(built, result, markdown, params.retrain.label, actions.run_url())
    io.write_json(paths.RETRAIN_DECISION, decision.to_json())
    actions.append_summary(
        f"Retrain decision: **{decision.kind}** ({decision.reason})\n\n{markdown or ''}"
    )
    return decision, markdown


def push(params_file: Path) -> str:
    """Force-push HEAD to the retrain branch (token from GITHUB_TOKEN, never stored)."""
    from tabml.platform import git

    branch = load_params(params_file).retrain.branch
    git.force_push(branch)
    return branch


def publish(repo: str) -> tuple[Decision, str, dict[str, Any] | None]:
    """Open or update the one retrain PR (gate passed) or the one `retrain` issue (failed),
    per retrain-decision.json: the decision, what was done and the PR or issue."""
    from tabml.retrain.api import publish as upsert

    decision = Decision(**io.read_json(paths.RETRAIN_DECISION))
    if decision.kind == "none":
        return decision, "none", None
    action, item = upsert(repo, decision)
    return decision, action, item
