"""The stages' wiring: read a stage's inputs where dvc.yaml puts them, run it, write its outputs.

One function per stage, used by `tabml <stage>` and by `bench/one_process.py`, which hands each
stage the previous one's results in memory so that its floor counts no re-reads. Stage modules
are imported inside each function: `tabml validate` and `tabml prepare` never load
scikit-learn, the later stages never load pandera (the contract), and nothing here loads the
report, serving or release code.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabml import io, paths

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    from tabml.config import Params
    from tabml.contract import Contract
    from tabml.stages.evaluate import Evaluation

# Shows what a long step is doing (the CLI passes its console's spinner); silent by default.
Status = Callable[[str], AbstractContextManager[Any]]


def _silent(_: str) -> AbstractContextManager[Any]:
    return nullcontext()


@dataclass(frozen=True)
class Split:
    """What `prepare` wrote, and the warning about entirely missing columns, if any."""

    train: pd.DataFrame
    test: pd.DataFrame
    warning: str | None


def read_raw(params: Params, *, drop: bool = False) -> tuple[Contract, pd.DataFrame]:
    """The contract and the raw table it describes (CSV or parquet), read with the contract's
    dtypes; `drop` leaves out the `data.drop` columns at read time (checks read them all)."""
    from tabml.contract import load_contract  # pandera: only the stages that read the raw table

    contract = load_contract(params.data.contract)
    data = params.data
    raw = io.read_table(
        data.path, data.na_values, contract.read_dtypes(), drop=data.drop if drop else None
    )
    return contract, raw


def run_validate(params: Params, params_file: Path = paths.PARAMS) -> dict[str, Any]:
    """Check params, contract and raw data; write the stamp that `prepare` depends on.

    `params_file` is only named in messages about params that the data contradicts."""
    from tabml.stages.validate import validate_inputs

    contract, raw = read_raw(params)
    stamp = validate_inputs(raw, contract, params, str(params.data.path), str(params_file))
    io.write_json(paths.VALIDATED, stamp)
    return stamp


def run_prepare(params: Params, params_file: Path = paths.PARAMS) -> Split:
    """Check, clean and split the raw table; write both splits."""
    from tabml.stages.prepare import empty_columns, empty_warning, prepare

    contract, raw = read_raw(params, drop=True)  # validate has checked the dropped columns
    source = str(params.data.path)
    empty = empty_columns(raw, params.data)
    train, test = prepare(
        raw, contract, params.data, params.split, source, params_file=str(params_file), inplace=True
    )
    io.write_parquet(paths.TRAIN, train)
    io.write_parquet(paths.TEST, test)
    return Split(train, test, empty_warning(empty, source) if empty else None)


def run_featurize(
    params: Params, train: pd.DataFrame | None = None
) -> tuple[ColumnTransformer, pd.DataFrame]:
    """Fit the featurizer on the train split (read from disk unless given); write both."""
    from tabml.stages.featurize import featurize

    frame = io.read_parquet(paths.TRAIN) if train is None else train
    featurizer, features = featurize(frame, params.data, params.featurize)
    io.save_model(paths.FEATURIZER, featurizer)
    io.write_parquet(paths.TRAIN_FEATURES, features)
    return featurizer, features


def run_train(
    params: Params,
    features: pd.DataFrame | None = None,
    featurizer: ColumnTransformer | None = None,
    status: Status = _silent,
) -> Pipeline:
    """Fit the estimator of `data.task` on the train features; save featurizer + estimator as
    one model."""
    from tabml.stages.train import train

    if features is None:
        features = io.read_parquet(paths.TRAIN_FEATURES, one_block=True)
    if featurizer is None:
        featurizer = io.load_model(paths.FEATURIZER)
    with status(f"training {params.train.model} on {len(features)} rows"):
        model = train(features, params.data.target, featurizer, params.train, params.data.task)
    io.save_model(paths.MODEL, model)
    return model


def run_evaluate(
    params: Params,
    model: Pipeline | None = None,
    test: pd.DataFrame | None = None,
    status: Status = _silent,
    train: pd.DataFrame | None = None,
) -> Evaluation:
    """Score the test split, and the trivial baseline learned from the train split's labels;
    write metrics, baseline, slices, predictions and the plot data of every task (the plots of
    another task with their header only, so every file dvc.yaml declares exists)."""
    from tabml.stages.evaluate import evaluate

    if model is None:
        model = io.load_model(paths.MODEL)
    if test is None:
        test = io.read_parquet(paths.TEST)
    if train is None:  # the baseline needs only the labels: not the 8M-row table at 10M rows
        train = io.read_parquet(paths.TRAIN, columns=[params.data.target])
    with status("evaluating on the test split"):
        seed = params.train.seed
        result = evaluate(model, test, params.data, params.evaluate, seed, train=train)
    write_evaluation(result)
    return result


def write_evaluation(result: Evaluation) -> None:
    """Write every output of the evaluate stage where dvc.yaml expects it."""
    io.write_json(paths.METRICS, result.metrics)
    io.write_json(paths.BASELINE, result.baseline)
    io.write_json(paths.SLICES, result.slices)
    tables = {
        paths.PREDICTIONS: result.predictions,
        paths.ROC: result.roc,
        paths.PRECISION_RECALL: result.precision_recall,
        paths.CALIBRATION: result.calibration,
        paths.IMPORTANCE: result.importance,
        paths.CONFUSION: result.confusion,
        paths.PREDICTED_ACTUAL: result.predicted_actual,
        paths.RESIDUALS: result.residuals,
    }
    for path, table in tables.items():
        io.write_csv(path, table, result.float_format)


def check_contract(params: Params) -> int:
    """Validate the raw table against its contract; the number of rows checked."""
    from tabml.contract import validate

    contract, raw = read_raw(params)
    validate(raw, contract, str(params.data.path))
    return len(raw)


def draft_contract(csv: Path, na_values: list[str], max_categories: int) -> str:
    """A draft contract (YAML) for a sample of a table, to review before use."""
    from tabml.contract import dump_contract, infer_contract

    return dump_contract(infer_contract(io.read_csv(csv, na_values), max_categories))
