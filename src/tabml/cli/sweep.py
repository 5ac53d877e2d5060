"""`tabml sweep`: grid and random searches, with DVC's queue here or a job matrix in CI
(docs/sweeps.md)."""

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
    load,
    say,
    step_outputs,
)
from tabml.errors import TabmlError

PANEL = "Experiment sweeps"
sweep_app = typer.Typer(help="Grid and random searches over params.", no_args_is_help=True)
SweepOption = Annotated[
    Path | None, typer.Option("--sweep", help="A sweep file (grid: or random:).")
]
GridOption = Annotated[
    str | None,
    typer.Option("--grid", help='An inline grid (wins over --sweep): {"key": [v1, v2]}.'),
]
TableOut = Annotated[Path | None, typer.Option("--out", help="Also write the table here.")]


def register(app: typer.Typer) -> None:
    """`tabml sweep` is a group."""
    app.add_typer(sweep_app, name="sweep", rich_help_panel=PANEL)


def _write_table(table: str, out: Path | None, summary: bool = False) -> None:
    """Print the table; write it to `out` and, in a workflow, to the job summary."""
    from tabml import io
    from tabml.platform import actions

    if out is not None:
        io.write_bytes(out, table.encode())
    if summary:
        actions.append_summary(table)
    typer.echo(table, nl=False)


@sweep_app.command("run")
@clear_errors
def sweep_run(
    *,
    sweep: SweepOption = paths.SWEEP,
    grid: GridOption = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Experiments at a time.")] = 2,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the queue.")] = 6 * 3600,
    out: TableOut = None,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Queue every candidate (dvc exp run --queue), run the queue, print the ranked table."""
    from tabml.sweep.local import run_sweep
    from tabml.sweep.spec import load_sweep

    params = load(params_file)
    spec = load_sweep(sweep, grid, params_file)
    _write_table(run_sweep(spec, params, jobs, timeout=timeout, log=say), out)


@sweep_app.command("show")
@clear_errors
def sweep_show(
    name: Annotated[
        list[str] | None, typer.Option("--name", help="Only these experiments (repeatable).")
    ] = None,
    out: TableOut = None,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """The ranked table of HEAD's experiments (dvc exp show) against HEAD."""
    from tabml.sweep.local import exp_show, tabulate, varying_keys

    params = load(params_file)
    show = exp_show()
    _write_table(tabulate(show, params, varying_keys(show), name or None), out)


@sweep_app.command("matrix")
@clear_errors
def sweep_matrix(
    sweep: SweepOption = paths.SWEEP,
    grid: GridOption = None,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Validate and expand the sweep; print the matrix JSON and write matrix= and count=."""
    from tabml.sweep.matrix import matrix_json
    from tabml.sweep.spec import load_sweep

    spec = load_sweep(sweep, grid, params_file)
    expanded = matrix_json(spec)
    step_outputs({"matrix": expanded, "count": str(len(spec.candidates))})
    for label, candidate in zip(spec.labels(), spec.candidates, strict=True):
        console.print(f"candidate {candidate.index}: {label}", highlight=False)
    typer.echo(expanded)


@sweep_app.command("run-one")
@clear_errors
def sweep_run_one(
    index: Annotated[int, typer.Option("--index", help="The candidate, from 0.")],
    sweep: SweepOption = paths.SWEEP,
    grid: GridOption = None,
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Where its files go.")
    ] = paths.SWEEP_OUT,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Run one candidate in the workspace (dvc exp run -S ...); collect params, metrics and
    predictions with candidate.json in --out-dir."""
    from tabml.sweep.matrix import run_one
    from tabml.sweep.spec import load_sweep

    spec = load_sweep(sweep, grid, params_file)
    folder = run_one(spec, index, out_dir)
    console.print(f"sweep: candidate {index} done; its files are in {folder}/", highlight=False)


@sweep_app.command("aggregate")
@clear_errors
def sweep_aggregate(
    *,
    results: Annotated[Path, typer.Option("--results", help="The downloaded artifacts.")],
    sweep: SweepOption = paths.SWEEP,
    grid: GridOption = None,
    base: Annotated[
        str, typer.Option(help="Branch whose committed predictions are the baseline.")
    ] = "main",
    out: TableOut = paths.SWEEP_TABLE,
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Rank every candidate's artifact against the base branch; write the table and the job
    summary. Fails only when no candidate succeeded."""
    from tabml.sweep.matrix import aggregate
    from tabml.sweep.spec import load_sweep

    params = load(params_file)
    spec = load_sweep(sweep, grid, params_file)
    table, succeeded = aggregate(spec, results, params, base)
    _write_table(table, out, summary=True)
    if not succeeded:
        raise TabmlError(f"{results}: none of the {len(spec.candidates)} candidates succeeded")


@sweep_app.command("comment")
@clear_errors
def sweep_comment(
    pr: Annotated[int, typer.Option("--pr", help="The pull-request number.")],
    repo: Annotated[str, typer.Option("--repo", help="owner/name on GitHub.")],
    table: Annotated[Path, typer.Option("--table", help="The table to post.")] = paths.SWEEP_TABLE,
) -> None:
    """Post the sweep table as a comment on a pull request (needs GITHUB_TOKEN)."""
    from tabml.sweep.comment import post_table

    url = post_table(repo, pr, table)
    console.print(f"sweep: commented on #{pr}: {url}", highlight=False)
