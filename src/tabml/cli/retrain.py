"""`tabml retrain`: continuous training in steps, new batches -> table -> repro -> report -> PR
or issue (docs/continuous-training.md). Each command calls one function of `tabml.retrain.run`."""

from __future__ import annotations

import typer

from tabml.cli.common import (
    DEFAULT_PARAMS,
    ParamsOption,
    RepoOption,
    clear_errors,
    console,
    load,
    step_outputs,
)

PANEL = "Continuous training"
retrain_app = typer.Typer(
    help="Continuous training: new batches -> table -> repro -> report -> PR or issue.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """`tabml retrain` is a group."""
    app.add_typer(retrain_app, name="retrain", rich_help_panel=PANEL)


@retrain_app.command("build")
@clear_errors
def retrain_build(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Write the training table (base + batches, per `retrain`) and point data.path at it."""
    from tabml.retrain.run import build

    result = build(params_file)
    step_outputs({"changed": str(result.changed).lower()})
    console.print(f"retrain build: {result.reason}", highlight=False)


@retrain_app.command("commit")
@clear_errors
def retrain_commit(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Commit the built table, params, dvc.lock and reports on the retrain branch."""
    from tabml.retrain.run import commit

    sha, where = commit(params_file)
    if sha is None:
        console.print(f"retrain commit: nothing to commit ({where})", highlight=False)
        return
    console.print(f"retrain commit: {sha[:12]} on {where}", highlight=False)


@retrain_app.command("report")
@clear_errors
def retrain_report(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Compare with `retrain.main` (the PR report and gate) and decide: PR, issue or nothing."""
    from tabml.retrain.run import report

    decision, _ = report(load(params_file), status=console.status)
    step_outputs({"decision": decision.kind})
    console.print(f"retrain: {decision.kind} ({decision.reason})", highlight=False)


@retrain_app.command("push")
@clear_errors
def retrain_push(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Force-push HEAD to the retrain branch (token from GITHUB_TOKEN, never stored)."""
    from tabml.retrain.run import push

    branch = push(params_file)
    console.print(f"retrain push: origin/{branch}", highlight=False)


@retrain_app.command("publish")
@clear_errors
def retrain_publish(repo: RepoOption) -> None:
    """Open or update the one retrain PR (gate passed) or the one `retrain` issue (failed)."""
    from tabml.retrain.run import publish

    decision, action, item = publish(repo)
    if item is None:
        console.print(f"retrain publish: nothing to publish ({decision.reason})", highlight=False)
        return
    step_outputs({"number": str(item["number"]), "url": item["html_url"]})
    console.print(f"retrain publish: {action} #{item['number']} {item['html_url']}")
