"""The closed set of model types equals what training every model option produces."""

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
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from tabml import io
from tabml.config import DataParams, FeaturizeParams, TrainParams
from tabml.model_types import MODEL_TYPES, SKOPS_PROTOCOL, schema_types
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


def train_options() -> list[dict[str, Any]]:
    """Each model choice of `train.model`, with every combination of its own section."""
    options = []
    for model in choices(TrainParams.model_fields["model"].annotation):
        section = TrainParams.model_fields[model].annotation
        assert isinstance(section, type) and issubclass(section, BaseModel)
        for combo in grid(section):
            options.append({"model": model, model: {**FAST.get(model, {}), **combo}})
    return options


def small_frame(rows: int = 160) -> pd.DataFrame:
    """Numbers and categories with gaps, integers, booleans, a category rarer than
    `min_frequency`, a group and a 0/1 target: every kind of column a prepared split can have."""
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
    loaded = io.load_model(path)
    expected, actual = getattr(fitted, method)(frame), getattr(loaded, method)(frame)
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected), err_msg=str(fitted))
    return file_types(path)


def train_all(
    folder: Path, frame: pd.DataFrame, data: DataParams, featurize_options: dict[str, Any]
) -> set[tuple[str, str]]:
    """Round-trip one featurizer and every model option on it; the types their files hold."""
    params = FeaturizeParams(**featurize_options)
    featurizer, _ = featurize(frame, data, params)
    seen = round_trip(folder / "featurizer.skops", featurizer, frame, "transform")
    # Native category codes leave a missing category as NaN, which logistic regression refuses
    # (a known gap of that combination), so the models learn from the rows without one.
    complete = frame.dropna(subset=["colour"])
    featurizer, features = featurize(complete, data, params)
    for options in train_options():
        model = train(features, "label", featurizer, TrainParams(**options))
        seen |= round_trip(folder / "model.skops", model, complete, "predict_proba")
    return seen


def test_every_model_option_round_trips_and_the_type_set_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "train.parquet"
    io.write_parquet(path, small_frame())
    frame = io.read_parquet(path)
    data = DataParams(
        path="t.csv", contract="c.yaml", target="label", positive_label="1", groups=["site"]
    )
    featurizers = grid(FeaturizeParams)
    assert len(featurizers) * len(train_options()) >= 64  # 16 featurizers x (2 + 2) models
    seen: set[tuple[str, str]] = set()
    with threadpool_limits(1):  # tiny fits: OpenMP threads would only wait for each other
        for featurize_options in featurizers:
            seen |= train_all(tmp_path, frame, data, featurize_options)
    committed = {(name, kind) for name, kinds in MODEL_TYPES.items() for kind in kinds}
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
    assert {tuple(sorted(o)) for o in grid(FeaturizeParams)} == {
        ("categorical", "min_frequency", "numeric_imputer", "scale_numeric")
    }
