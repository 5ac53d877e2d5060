"""The `tabml` command line: each command reads files and params, calls one function, writes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from tabml import io, paths
from tabml.config import Params, load_params
from tabml.contract import dump_contract, infer_contract, load_contract, validate
from tabml.errors import TabmlError

app = typer.Typer(help="A reproducible tabular ML pipeline.", no_args_is_help=True)
contract_app = typer.Typer(help="Work with the data contract.", no_args_is_help=True)
app.add_typer(contract_app, name="contract")

console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")
ParamsOption = Annotated[Path, typer.Option("--params", help="The params file.")]


def clear_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print a `TabmlError` as one line on stderr and exit 1, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TabmlError as error:
            console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def _params(path: Path) -> Params:
    return load_params(path)


@app.command()
@clear_errors
def prepare(params_file: ParamsOption = paths.PARAMS) -> None:
    """Validate the raw table against its contract, clean it, and split it."""
    from tabml.stages.prepare import prepare as run

    params = _params(params_file)
    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    train, test = run(raw, contract, params.data, params.split, str(params.data.path))
    io.write_parquet(paths.TRAIN, train)
    io.write_parquet(paths.TEST, test)
    console.print(f"prepare: {len(train)} train rows, {len(test)} test rows")


@app.command()
@clear_errors
def featurize(params_file: ParamsOption = paths.PARAMS) -> None:
    """Fit the featurizer on the train split and write the train features."""
    from tabml.stages.featurize import featurize as run

    params = _params(params_file)
    featurizer, features = run(io.read_parquet(paths.TRAIN), params.data, params.featurize)
    io.save_model(paths.FEATURIZER, featurizer)
    io.write_parquet(paths.TRAIN_FEATURES, features)
    console.print(f"featurize: {features.shape[1] - 1} features")


@app.command()
@clear_errors
def train(params_file: ParamsOption = paths.PARAMS) -> None:
    """Fit the classifier chosen in params and save the full model with skops."""
    from tabml.stages.train import train as run

    params = _params(params_file)
    features = io.read_parquet(paths.TRAIN_FEATURES)
    featurizer = io.load_model(paths.FEATURIZER)
    with console.status(f"training {params.train.model} on {len(features)} rows"):
        model = run(features, params.data.target, featurizer, params.train)
    io.save_model(paths.MODEL, model)
    console.print(f"train: saved {paths.MODEL}")


@app.command()
@clear_errors
def evaluate(params_file: ParamsOption = paths.PARAMS) -> None:
    """Score the test split: metrics, per-slice metrics, predictions and plot data."""
    from tabml.stages.evaluate import evaluate as run

    params = _params(params_file)
    model = io.load_model(paths.MODEL)
    test = io.read_parquet(paths.TEST)
    with console.status("evaluating on the test split"):
        result = run(model, test, params.data, params.evaluate, params.train.seed)
    io.write_json(paths.METRICS, result.metrics)
    io.write_json(paths.SLICES, result.slices)
    io.write_csv(paths.PREDICTIONS, result.predictions)
    io.write_csv(paths.ROC, result.roc)
    io.write_csv(paths.PRECISION_RECALL, result.precision_recall)
    io.write_csv(paths.CALIBRATION, result.calibration)
    io.write_csv(paths.IMPORTANCE, result.importance)
    summary = ", ".join(f"{k}={v}" for k, v in result.metrics.items() if k in ("roc_auc", "f1"))
    console.print(f"evaluate: {summary}")


@app.command("check-params")
@clear_errors
def check_params(params_file: ParamsOption = paths.PARAMS) -> None:
    """Validate params.yaml and print nothing else on success."""
    _params(params_file)
    console.print(f"{params_file}: ok")


@contract_app.command("check")
@clear_errors
def contract_check(params_file: ParamsOption = paths.PARAMS) -> None:
    """Validate the raw table named in params against its contract."""
    params = _params(params_file)
    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    validate(raw, contract, str(params.data.path))
    console.print(f"{params.data.path}: {len(raw)} rows match {params.data.contract}")


@contract_app.command("infer")
@clear_errors
def contract_infer(
    csv: Annotated[Path, typer.Argument(help="A sample of your table, as CSV.")],
    na_values: Annotated[list[str], typer.Option("--na", help="Missing-value marker.")] = ["?"],  # noqa: B006
    max_categories: int = 50,
) -> None:
    """Print a draft contract for a CSV table (review it, then save it and point params at it)."""
    frame = io.read_csv(csv, na_values)
    typer.echo(dump_contract(infer_contract(frame, max_categories)), nl=False)


if __name__ == "__main__":
    app()
