"""The closed set of model types equals what training every model option of every task produces.

The full enumeration (every featurizer x every model option x every task) is slow; the default
suite fits each (task, model) once and checks its file holds only allowed types.
"""

from __future__ import annotations

import itertools
import json
import types
import zipfile
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel
from threadpoolctl import threadpool_limits

from tabml import io
from tabml.config import LINEAR_MODEL, DataParams, FeaturizeParams, TrainParams
from tabml.metrics import TASKS, Task
from tabml.model_types import MODEL_TYPES, SKOPS_PROTOCOL, schema_types
from tabml.paths import CLASSES
from tabml.stages.featurize import featurize
from tabml.stages.train import train

# Options with no choices in their type (numbers); the ones that can change what a model file
# holds get a few values here, the rest keep their default.
NUMBER_CHOICES: dict[str, list[Any]] = {"min_frequency": [None, 3]}
FAST = {"hist_gradient_boosting": {"max_iter": 5}}


def choices(annotation: Any) -> list[Any]:
    """Every value of a bool, a Literal, or an optional Literal; [] for anything else."""
    if annotation is bool:
        return [False, True]
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    if get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation):
        inner = [v for arg in get_args(annotation) if arg is not type(None) for v in choices(arg)]
        return [None, *inner] if inner else []
    return []


def grid(section: type[BaseModel], skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every combination of a params section's options (see `choices`)."""
    axes = {
        name: NUMBER_CHOICES.get(name) or choices(field.annotation)
        for name, field in section.model_fields.items()
        if name not in skip
    }
    axes = {name: values for name, values in axes.items() if values}
    return [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]


def train_options(task: Task = "binary") -> list[dict[str, Any]]:
    """Each model choice of `train.model` that fits `task`, with every combination of its own
    section."""
    options = []
    for model in choices(TrainParams.model_fields["model"].annotation):
        if model not in ("hist_gradient_boosting", LINEAR_MODEL[task]):
            continue
        section = TrainParams.model_fields[model].annotation
        assert isinstance(section, type) and issubclass(section, BaseModel)
        for combo in grid(section):
            options.append({"model": model, model: {**FAST.get(model, {}), **combo}})
    return options


def small_frame(rows: int = 160, task: Task = "binary") -> pd.DataFrame:
    """Numbers and categories with gaps, integers, booleans, a category rarer than
    `min_frequency`, a group and the prepared target of `task` (0/1, class codes with the class
    list in `attrs`, numbers): every kind of column a prepared split can have."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "row_id": np.arange(rows),
            "size": rng.normal(size=rows),
            "count": rng.integers(0, 9, rows),
            "flag": rng.choice([True, False], rows),
            "colour": rng.choice(["red", "green", "blue"], rows),
            "shape": ["odd", "odd", *rng.choice(["round", "square"], rows - 2)],
            "site": rng.choice(["a", "b"], rows),
        }
    )
    frame.loc[::9, "size"] = np.nan
    frame.loc[5::11, "colour"] = None
    signal = frame["size"].fillna(0) + (frame["colour"] == "red") + rng.normal(size=rows)
    if task == "regression":
        frame["label"] = signal.astype(np.float64)
    elif task == "multiclass":
        frame["label"] = np.digitize(signal, [-0.5, 0.5]).astype(np.int64)
        frame.attrs[CLASSES] = ["high", "low", "mid"]
    else:
        frame["label"] = (signal > 0.3).astype(np.int8)
    return frame


def file_types(path: Path) -> set[tuple[str, str]]:
    schema = json.loads(zipfile.ZipFile(path).read("schema.json"))
    assert schema["protocol"] == SKOPS_PROTOCOL, (
        f"skops now writes protocol {schema['protocol']}: check what changed and update "
        "SKOPS_PROTOCOL in src/tabml/model_types.py"
    )
    return schema_types(schema)


def round_trip(path: Path, fitted: Any, frame: pd.DataFrame, method: str) -> set[tuple[str, str]]:
    """Save with tabml, load with tabml (which refuses unknown types), compare outputs."""
    io.save_model(path, fitted)
    types = file_types(path)  # listed before loading, which refuses the first unknown one
    missing = sorted(types - committed_types())
    assert not missing, f"{fitted} adds types; review them and add to MODEL_TYPES: {missing}"
    loaded = io.load_model(path)
    expected, actual = getattr(fitted, method)(frame), getattr(loaded, method)(frame)
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected), err_msg=str(fitted))
    if hasattr(fitted, "classes_"):  # the class list travels in the model file
        np.testing.assert_array_equal(loaded.classes_, fitted.classes_)
    return types


def task_data(task: Task) -> DataParams:
    positive = {"positive_label": "1"} if task == "binary" else {}
    return DataParams(
        path="t.csv", contract="c.yaml", target="label", task=task, groups=["site"], **positive
    )


def prepared(folder: Path, task: Task) -> pd.DataFrame:
    """The small frame of `task` as the train stage reads it: through a parquet file."""
    path = folder / f"{task}.parquet"
    io.write_parquet(path, small_frame(task=task))
    return io.read_parquet(path)


def train_all(
    folder: Path,
    frame: pd.DataFrame,
    data: DataParams,
    featurize_options: dict[str, Any],
    options: list[dict[str, Any]] | None = None,
) -> set[tuple[str, str]]:
    """Round-trip one featurizer and every model option (or `options`) of the task on it; the
    types their files hold."""
    params = FeaturizeParams(**featurize_options)
    featurizer, _ = featurize(frame, data, params)
    seen = round_trip(folder / "featurizer.skops", featurizer, frame, "transform")
    # Native category codes leave a missing category as NaN, which linear models refuse
    # (a known gap of that combination), so the models learn from the rows without one.
    complete = frame.dropna(subset=["colour"])
    featurizer, features = featurize(complete, data, params)
    method = "predict" if data.task == "regression" else "predict_proba"
    for option in train_options(data.task) if options is None else options:
        model = train(features, "label", featurizer, TrainParams(**option), data.task)
        seen |= round_trip(folder / "model.skops", model, complete, method)
    return seen


def committed_types() -> set[tuple[str, str]]:
    return {(name, kind) for name, kinds in MODEL_TYPES.items() for kind in kinds}


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("model", ["hist_gradient_boosting", "linear"])
def test_each_model_of_each_task_round_trips_with_allowed_types_only(
    tmp_path: Path, task: Task, model: str
) -> None:
    """One fit per (task, model): fast enough for the default suite."""
    name = LINEAR_MODEL[task] if model == "linear" else model
    option = {"model": name, name: FAST.get(name, {})}
    encoding = "native" if name == "hist_gradient_boosting" else "onehot"
    with threadpool_limits(1):
        seen = train_all(
            tmp_path, prepared(tmp_path, task), task_data(task), {"categorical": encoding}, [option]
        )
    missing = sorted(seen - committed_types())
    assert not missing, f"{task} {name} adds types; review them and add to MODEL_TYPES: {missing}"
    if task == "multiclass":
        loaded = io.load_model(tmp_path / "model.skops")
        assert loaded.classes_.tolist() == ["high", "low", "mid"]  # names, in code order


@pytest.mark.slow
def test_every_model_option_round_trips_and_the_type_set_is_exact(tmp_path: Path) -> None:
    featurizers = grid(FeaturizeParams)
    seen: set[tuple[str, str]] = set()
    combos = 0
    with threadpool_limits(1):  # tiny fits: OpenMP threads would only wait for each other
        for task in TASKS:
            frame, data = prepared(tmp_path, task), task_data(task)
            combos += len(featurizers) * len(train_options(task))
            for featurize_options in featurizers:
                seen |= train_all(tmp_path, frame, data, featurize_options)
    assert combos >= 16 * (4 + 4 + 3)  # 16 featurizers x (2 + 2, 2 + 2, 2 + 1) model options
    committed = committed_types()
    missing = sorted(seen - committed)
    assert not missing, f"a model option adds types; review them and add to MODEL_TYPES: {missing}"
    unused = sorted(committed - seen)
    assert not unused, f"no model option produces these; remove them from MODEL_TYPES: {unused}"


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (bool, [False, True]),
        (Literal["a", "b"], ["a", "b"]),
        (Literal["balanced"] | None, [None, "balanced"]),
        (int | None, []),
        (float, []),
    ],
)
def test_choices_of_an_option(annotation: Any, expected: list[Any]) -> None:
    assert choices(annotation) == expected


def test_the_grid_covers_every_model_and_featurizer_choice() -> None:
    options = train_options()
    assert {o["model"] for o in options} == {"hist_gradient_boosting", "logistic_regression"}
    lr = [o["logistic_regression"] for o in options if o["model"] == "logistic_regression"]
    assert {o["class_weight"] for o in lr} == {None, "balanced"}
    hgb = [o["hist_gradient_boosting"] for o in options if o["model"] == "hist_gradient_boosting"]
    assert {o["early_stopping"] for o in hgb} == {False, True}
    assert {o["model"] for o in train_options("regression")} == {"hist_gradient_boosting", "ridge"}
    assert {o["model"] for o in train_options("multiclass")} == {
        "hist_gradient_boosting",
        "logistic_regression",
    }
    assert {tuple(sorted(o)) for o in grid(FeaturizeParams)} == {
        ("categorical", "min_frequency", "numeric_imputer", "scale_numeric")
    }
