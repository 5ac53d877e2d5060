"""`tabml report`: the PR report, its quality gate (`report gate`) and the comment job's check of
a report artifact (`report verify`). The old names `tabml gate` and `tabml verify-report` stay
as hidden aliases of the same functions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tabml import paths
from tabml.cli.common import (
    DEFAULT_PARAMS,
    ParamsOption,
    clear_errors,
    console,
    group_options_only_alone,
    load,
    require,
    step_outputs,
)

PANEL = "Pull-request report"
ReportDir = Annotated[Path, typer.Option("--out-dir", help="Where the report files go.")]
report_app = typer.Typer(invoke_without_command=True)


def register(app: typer.Typer) -> None:
    """`tabml report` (a command and a group), and the old top-level names, hidden."""
    app.add_typer(report_app, name="report", rich_help_panel=PANEL)
    app.command("gate", hidden=True)(gate)
    app.command("verify-report", hidden=True)(verify)


@report_app.callback()
@clear_errors
def report(
    ctx: typer.Context,
    *,
    base: Annotated[
        str | None,
        typer.Option(
            help="The PR's target branch; compared at the merge-base. Required to write a report."
        ),
    ] = None,
    out_dir: ReportDir = paths.PR_DIR,
    pr: Annotated[int | None, typer.Option(help="PR number, recorded in the manifest.")] = None,
    full_report_url: Annotated[str | None, typer.Option(help="Link shown if cut.")] = None,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Compare the reproduced workspace with its base: write the report, its data, a manifest.
    `tabml report gate` then checks its quality gate."""
    if not group_options_only_alone(ctx):
        return
    require(ctx, "base", base)
    from tabml.compare.outputs import write_report

    written = write_report(
        load(params_file),
        str(base),
        out_dir,
        pr=pr,
        full_report_url=full_report_url,
        status=console.status,
    )
    console.print(written.headline, highlight=False)
    console.print(f"report: wrote {written.report_md}")


@report_app.command("gate")
@clear_errors
def gate(out_dir: ReportDir = paths.PR_DIR) -> None:
    """Exit non-zero when the last report's quality gate failed (run after posting it)."""
    from tabml.compare.outputs import read_gate

    outcome = read_gate(out_dir)
    for check in outcome.checks:
        mark = "[green]pass[/]" if check["passed"] else "[red]FAIL[/]"
        console.print(f"{mark} {check['rule']}: {check['detail']}", highlight=False)
    outcome.raise_if_failed()
    console.print("quality gate passed")


@report_app.command("verify")
@clear_errors
def verify(
    *,
    artifact_dir: Annotated[Path, typer.Option(help="The downloaded report artifact.")],
    run_head_sha: Annotated[str, typer.Option(help="workflow_run.head_sha of the report run.")],
    run_conclusion: Annotated[str, typer.Option(help="workflow_run.conclusion: the verdict.")],
    run_id: Annotated[int, typer.Option(min=1, help="workflow_run.id: linked for the rest.")],
    repo: Annotated[str, typer.Option(help="owner/name of this repository.")],
    out: Annotated[
        Path | None, typer.Option(help="The comment (default: beside the artifact).")
    ] = None,
) -> None:
    """Check a PR run's report artifact, then render its comment here; print the PR number."""
    from tabml.compare.comment import prepare

    done = prepare(
        artifact_dir, run_head_sha, repo=repo, conclusion=run_conclusion, run_id=run_id, out=out
    )
    step_outputs({"pr": str(done.pr_number), "comment": str(done.comment)})
    typer.echo(done.pr_number)
