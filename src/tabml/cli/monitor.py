"""`tabml monitor`: drift of current data (docs/monitoring.md); `monitor batches` writes demo
batches and `monitor issue` opens the one drift issue. The old names `tabml batches` and
`tabml drift-issue` stay as hidden aliases of the same functions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tabml import paths
from tabml.cli.common import (
    DEFAULT_PARAMS,
    ParamsOption,
    RepoOption,
    clear_errors,
    console,
    group_options_only_alone,
    load,
    step_outputs,
)

PANEL = "Monitoring"
monitor_app = typer.Typer(invoke_without_command=True)


def register(app: typer.Typer) -> None:
    """`tabml monitor` (a command and a group), and the old top-level names, hidden."""
    app.add_typer(monitor_app, name="monitor", rich_help_panel=PANEL)
    app.command("batches", hidden=True)(batches)
    app.command("drift-issue", hidden=True)(issue)


@monitor_app.callback()
@clear_errors
def monitor(
    ctx: typer.Context,
    *,
    current: Annotated[
        Path | None,
        typer.Option(help="A batch CSV in the raw format (default: newest in data/incoming/)."),
    ] = None,
    current_log: Annotated[
        Path | None, typer.Option(help="The serving request log (JSON lines) instead of a batch.")
    ] = None,
    json_out: Annotated[
        Path, typer.Option("--json", help="Where to write the JSON report.")
    ] = paths.DRIFT_JSON,
    markdown_out: Annotated[
        Path, typer.Option("--markdown", help="Where to write the markdown report.")
    ] = paths.DRIFT_MARKDOWN,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Drift of current data against the training data and test-set outputs (exit 3 on drift).
    `monitor batches` writes demo batches, `monitor issue` opens the one drift issue."""
    if not group_options_only_alone(ctx):
        return
    from tabml.monitor import DRIFT_EXIT_CODE
    from tabml.monitor.run import run_monitor

    for stale in (json_out, markdown_out):  # also when params.yaml itself is refused
        stale.unlink(missing_ok=True)
    checked = run_monitor(load(params_file), current, current_log, json_out, markdown_out)
    for warning in checked.warnings:
        console.print(f"monitor: warning: {warning}", highlight=False, soft_wrap=True, markup=False)
    console.print(
        f"monitor: {checked.verdict} Report: {markdown_out}", highlight=False, soft_wrap=True
    )
    if checked.drift:
        raise typer.Exit(DRIFT_EXIT_CODE)


@monitor_app.command("batches")
@clear_errors
def batches(
    *,
    count: Annotated[
        int | None,
        typer.Option(
            "--batches", "-n", help="How many batches (default: up to 4 of monitor.min_rows rows)."
        ),
    ] = None,
    shift: Annotated[
        list[str] | None,
        typer.Option(help="COLUMN=+N, COLUMN=-N or COLUMN=*F (repeatable), e.g. age=+10."),
    ] = None,
    shift_from: Annotated[int, typer.Option(help="First batch (from 1) to shift.")] = 1,
    seed: int = 0,
    start: Annotated[
        str, typer.Option(help="Date of the first batch (YYYY-MM-DD).")
    ] = "2024-01-01",
    every_days: Annotated[int, typer.Option(help="Days between batches.")] = 7,
    all_rows: Annotated[
        bool, typer.Option(help="Draw from every raw row, not only the held-out test split.")
    ] = False,
    reserve: Annotated[
        Path | None,
        typer.Option(
            help="Draw the batches from a share of the table and write the other rows here; "
            "data.path and retrain.base then point at it (the continuous-training demo)."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Directory of the batch CSVs.")] = paths.INCOMING,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Write held-out raw rows as dated batch CSVs (raw format), optionally shifted, for demos."""
    from tabml.monitor.run import write_batches

    written = write_batches(
        load(params_file),
        out,
        count=count,
        shifts=shift or [],
        shift_from=shift_from,
        seed=seed,
        start=start,
        every_days=every_days,
        all_rows=all_rows,
        reserve=reserve,
        params_file=params_file,
    )
    console.print(
        f"batches: {written.files} files of ~{written.rows // written.files} rows in {out}/"
    )
    if reserve is not None:
        console.print(
            f"batches: {reserve} holds the other {written.base_rows} rows; data.path and "
            f"retrain.base in {params_file} point at it. Reproduce (make run) and commit before "
            "`make retrain`.",
            highlight=False,
            soft_wrap=True,
        )


@monitor_app.command("issue")
@clear_errors
def issue(
    repo: RepoOption,
    dispatch: Annotated[
        bool, typer.Option(help="Also dispatch the retrain workflow (needs actions: write).")
    ] = False,
    json_in: Annotated[Path, typer.Option("--json", help="The drift JSON report.")] = (
        paths.DRIFT_JSON
    ),
    markdown_in: Annotated[
        Path, typer.Option("--markdown", help="The drift markdown report.")
    ] = paths.DRIFT_MARKDOWN,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Open or update the one `drift` issue from the last `tabml monitor` run, if it drifted."""
    from tabml.monitor.run import open_drift_issue

    def log(line: str) -> None:
        console.print(f"drift-issue: {line}")

    decision, action, item = open_drift_issue(
        load(params_file),
        repo,
        dispatch=dispatch,
        json_in=json_in,
        markdown_in=markdown_in,
        log=log,
    )
    if item is None:
        console.print(f"drift-issue: nothing to report ({decision.reason})", highlight=False)
        return
    step_outputs({"number": str(item["number"]), "url": item["html_url"]})
    console.print(f"drift-issue: {action} #{item['number']} {item['html_url']}")
