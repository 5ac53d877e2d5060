"""Stage 2: a ColumnTransformer that imputes, encodes and scales, fitted on train only."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from tabml.config import DataParams, FeaturizeParams
from tabml.paths import ROW_ID

CATEGORICAL = "categorical"
NUMERIC = "numeric"


def feature_columns(frame: pd.DataFrame, data: DataParams) -> tuple[list[str], list[str]]:
    """Numeric and categorical model inputs: every column but the id, target and groups."""
    excluded = {ROW_ID, data.target, *data.groups}
    inputs = [column for column in frame.columns if column not in excluded]
    numeric = [c for c in inputs if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in inputs if c not in numeric]
    return numeric, categorical


def build_featurizer(
    numeric: list[str], categorical: list[str], params: FeaturizeParams
) -> ColumnTransformer:
    """An unfitted ColumnTransformer for the given columns."""
    numeric_steps: list[tuple[str, object]] = [
        ("impute", SimpleImputer(strategy=params.numeric_imputer))
    ]
    if params.scale_numeric:
        numeric_steps.append(("scale", StandardScaler()))
    encoder: OneHotEncoder | OrdinalEncoder
    if params.categorical == "onehot":
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist" if params.min_frequency else "ignore",
            min_frequency=params.min_frequency,
            sparse_output=False,
        )
        categorical_steps: list[tuple[str, object]] = [
            ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
            ("encode", encoder),
        ]
    else:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            encoded_missing_value=np.nan,
            min_frequency=params.min_frequency,
        )
        categorical_steps = [("encode", encoder)]
    featurizer = ColumnTransformer(
        [
            (NUMERIC, Pipeline(numeric_steps), numeric),
            (CATEGORICAL, Pipeline(categorical_steps), categorical),
        ],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    featurizer.set_output(transform="pandas")
    return featurizer


def native_categorical_features(featurizer: ColumnTransformer) -> list[str]:
    """Output names of ordinal-encoded columns, for HistGradientBoosting's native categories."""
    for name, transformer, columns in featurizer.transformers_:
        if name == CATEGORICAL and isinstance(transformer[-1], OrdinalEncoder):
            return list(columns)
    return []


def featurize(
    train: pd.DataFrame, data: DataParams, params: FeaturizeParams
) -> tuple[ColumnTransformer, pd.DataFrame]:
    """Fit the featurizer on train; return it and the train features with the target column
    (and the split's class list in `attrs`, which the train stage fits on)."""
    numeric, categorical = feature_columns(train, data)
    featurizer = build_featurizer(numeric, categorical, params)
    features = featurizer.fit_transform(train)
    features[data.target] = train[data.target].to_numpy()
    features.attrs = dict(train.attrs)
    return featurizer, features
