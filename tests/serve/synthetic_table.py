"""A synthetic table with every kind of column the serving fast path handles (nullable integers
and numbers, open and closed categories, rare and never-drawn values), the pipelines fitted on it
as featurize and train do, and the rows they are scored on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from tabml.config import DataParams, FeaturizeParams, TrainParams
from tabml.contract import Contract
from tabml.serve.fastpath import frame
from tabml.serve.schemas import build_record_schema
from tabml.stages.featurize import featurize
from tabml.stages.train import train

CONTRACT = Contract.model_validate(
    {
        "columns": {
            "size": {"type": "integer", "nullable": True, "min": 0},
            "color": {"type": "category", "nullable": True},  # any text: unseen values possible
            "ratio": {"type": "number", "nullable": True},
            "shape": {"type": "category", "categories": ["circle", "square", "star", "hex"]},
            "count": {"type": "integer"},
            "kind": {"type": "category", "nullable": True, "categories": ["a", "b", "c", "rare"]},
            "label": {"type": "category", "categories": ["no", "yes"]},
        }
    }
)
DATA = DataParams(path="t.csv", contract="c.yaml", target="label", positive_label="yes")
SCHEMA = build_record_schema(CONTRACT, DATA)
COLUMNS = list(SCHEMA.features)
NUMERIC = {"size", "ratio", "count"}
CATEGORIES = {"shape": ["circle", "square", "star", "hex"], "kind": ["a", "b", "c", "rare"]}


def missing_one_in_ten(rng: np.random.Generator, values: np.ndarray) -> list[str | None]:
    return [None if rng.random() < 0.1 else str(value) for value in values]


def table(rows: int, seed: int) -> pd.DataFrame:
    """A table in the prepare stage's dtypes, with missing values, a category seen only 3 times
    in 300 rows ('teal') and a contract category never drawn ('hex')."""
    rng = np.random.default_rng(seed)
    size = rng.integers(0, 100, rows).astype(float)
    size[rng.random(rows) < 0.1] = np.nan
    ratio = rng.normal(0, 1, rows)
    ratio[rng.random(rows) < 0.1] = np.nan
    color = rng.choice(["red", "green", "blue", "teal"], rows, p=[0.45, 0.3, 0.24, 0.01])
    shape = rng.choice(["circle", "square", "star"], rows)
    kind = rng.choice(["a", "b", "c", "rare"], rows, p=[0.5, 0.3, 0.18, 0.02])
    logit = (
        np.nan_to_num(size, nan=50) / 25
        - 2
        + np.nan_to_num(ratio)
        + (color == "red") * 1.5
        - (shape == "star") * 2
        + (kind == "b")
    )
    frame = pd.DataFrame(
        {
            "size": pd.array(size, dtype="Int64"),
            "color": pd.array(missing_one_in_ten(rng, color), dtype="str"),
            "ratio": ratio,
            "shape": pd.array(shape, dtype="str"),
            "count": pd.array(rng.integers(0, 9, rows), dtype="Int64"),
            "kind": pd.array(missing_one_in_ten(rng, kind), dtype="str"),
        }
    )
    frame["label"] = pd.array(np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no"))
    return frame


def fit(options: tuple[str, str, bool, int | None, str]) -> Pipeline:
    """featurize + train as the pipeline's stages do, with the given options."""
    categorical, imputer, scale, min_frequency, model = options
    featurize_params = FeaturizeParams(
        categorical=categorical,
        numeric_imputer=imputer,
        scale_numeric=scale,
        min_frequency=min_frequency,
    )
    train_params = TrainParams.model_validate(
        {"model": model, "hist_gradient_boosting": {"max_iter": 25, "min_samples_leaf": 5}}
    )
    featurizer, features = featurize(table(300, seed=1), DATA, featurize_params)
    return train(features, DATA.target, featurizer, train_params)


def scored_rows() -> list[tuple[Any, ...]]:
    """Held-out rows, plus rows of only missing values, unseen and rare categories."""
    held_out = table(200, seed=2)[COLUMNS].astype(object).where(lambda f: f.notna(), None)
    rows: list[tuple[Any, ...]] = list(held_out.itertuples(index=False, name=None))
    rows += [
        (None, None, None, "hex", 0, None),  # every nullable column missing, a contract-only shape
        (7, "purple", -3.25, "circle", 3, "rare"),  # a color never seen in training
        (99, "teal", 0.5, "star", 8, "a"),  # a color too rare for min_frequency
        (0, "red", 1e6, "square", 1, "c"),  # far outside the training range
    ]
    kinds = {"size": int, "ratio": float, "count": int}  # what JSON and the contract give
    return [
        tuple(
            kinds[c](v) if c in kinds and v is not None else v
            for c, v in zip(COLUMNS, row, strict=True)
        )
        for row in rows
    ]


def pipeline_scores(model: Pipeline, rows: list[tuple[Any, ...]]) -> np.ndarray:
    scores: np.ndarray = model.predict_proba(frame(COLUMNS, NUMERIC, rows))[:, 1]
    return scores
