"""The pipeline's commands: the DVC stages (dvc.yaml runs `tabml prepare` etc.), the params check
and the data contract. Each calls one function of `tabml.stages.run`, imported when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from tabml import paths
from tabml.cli.common import DEFAULT_PARAMS, ParamsOption, clear_errors, console, load

PANEL = "Pipeline (the dvc.yaml stages)"
contract_app = typer.Typer(help="Work with the data contract.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """The stages and the params check are top-level commands; the contract is a group."""
    for name, command in (
        ("validate", validate),
        ("prepare", prepare),
        ("featurize", featurize),
        ("train", train),
        ("evaluate", evaluate),
        ("check-params", check_params),
    ):
        app.command(name, rich_help_panel=PANEL)(command)
    app.add_typer(contract_app, name="contract", rich_help_panel=PANEL)


@clear_errors
def validate(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Check params, contract and raw data; the first DVC stage, so bad input deletes nothing."""
    from tabml.stages.run import run_validate

    params = load(params_file)
    stamp = run_validate(params, params_file)
    console.print(f"validate: {params_file}, {params.data.contract} and {stamp['rows']} rows ok")


@clear_errors
def prepare(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Validate the raw table against its contract, clean it, and split it."""
    from tabml.stages.run import run_prepare

    split = run_prepare(load(params_file), params_file)
    if split.warning:
        console.print(
            f"[yellow]warning:[/] {escape(split.warning)}", highlight=False, soft_wrap=True
        )
    console.print(f"prepare: {len(split.train)} train rows, {len(split.test)} test rows")


@clear_errors
def featurize(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Fit the featurizer on the train split and write the train features."""
    from tabml.stages.run import run_featurize

    _, features = run_featurize(load(params_file))
    console.print(f"featurize: {features.shape[1] - 1} features")


@clear_errors
def train(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Fit the classifier chosen in params and save the full model with skops."""
    from tabml.stages.run import run_train

    run_train(load(params_file))  # no spinner: training shows its own progress (stderr)
    console.print(f"train: saved {paths.MODEL}")


# The metrics `tabml evaluate` prints, per task (metrics.json has them all).
SHOWN = {
    "binary": ("roc_auc", "f1"),
    "multiclass": ("f1_macro", "accuracy"),
    "regression": ("rmse", "r2"),
}


@clear_errors
def evaluate(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Score the test split: metrics, per-slice metrics, predictions and plot data."""
    from tabml.stages.run import run_evaluate

    result = run_evaluate(load(params_file), status=console.status)
    shown = SHOWN.get(result.metrics.get("task", "binary"), ())
    summary = ", ".join(f"{k}={v}" for k, v in result.metrics.items() if k in shown)
    console.print(f"evaluate: {summary}")


@clear_errors
def check_params(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Validate params.yaml and print nothing else on success."""
    load(params_file)
    console.print(f"{params_file}: ok")


@contract_app.command("check")
@clear_errors
def contract_check(params_file: ParamsOption = DEFAULT_PARAMS) -> None:
    """Validate the raw table named in params against its contract."""
    from tabml.stages.run import check_contract

    params = load(params_file)
    rows = check_contract(params)
    console.print(f"{params.data.path}: {rows} rows match {params.data.contract}")


@contract_app.command("infer")
@clear_errors
def contract_infer(
    csv: Annotated[Path, typer.Argument(help="A sample of your table, as CSV.")],
    na_values: Annotated[list[str], typer.Option("--na", help="Missing-value marker.")] = ["?"],  # noqa: B006
    max_categories: int = 50,
) -> None:
    """Print a draft contract for a CSV table (review it, then save it and point params at it)."""
    from tabml.stages.run import draft_contract

    typer.echo(draft_contract(csv, na_values, max_categories), nl=False)
