"""Stage 3: fit the estimator chosen in params on the train features, for `data.task`.

Classifiers of a multiclass task are fitted on the class NAMES, so the model file alone carries
the class list (`model.classes_`, in code order) for serving; binary keeps 0/1.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline

from tabml.config import TrainParams
from tabml.errors import TabmlError
from tabml.metrics import Task
from tabml.paths import CLASSES
from tabml.progress import counting_iterations, track
from tabml.stages.featurize import native_categorical_features

Estimator: TypeAlias = (
    LogisticRegression | Ridge | HistGradientBoostingClassifier | HistGradientBoostingRegressor
)
# The pipeline's last step: its name is part of the model file, so binary keeps "classifier".
STEP = {"binary": "classifier", "multiclass": "classifier", "regression": "regressor"}


def build_estimator(
    params: TrainParams, categorical_features: list[str], task: Task = "binary"
) -> Estimator:
    """An unfitted estimator of the type and hyperparameters that params choose for `task`."""
    if params.model == "logistic_regression":
        lr = params.logistic_regression
        return LogisticRegression(
            C=lr.C, max_iter=lr.max_iter, class_weight=lr.class_weight, random_state=params.seed
        )
    if params.model == "ridge":
        return Ridge(alpha=params.ridge.alpha)
    hgb = params.hist_gradient_boosting
    kind = HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier
    return kind(
        learning_rate=hgb.learning_rate,
        max_iter=hgb.max_iter,
        max_leaf_nodes=hgb.max_leaf_nodes,
        min_samples_leaf=hgb.min_samples_leaf,
        l2_regularization=hgb.l2_regularization,
        early_stopping=hgb.early_stopping,
        categorical_features=categorical_features or None,
        random_state=params.seed,
    )


def fit_target(features: pd.DataFrame, target: str, task: Task) -> np.ndarray:
    """What the estimator learns: 0/1, the class names (from the split's class list), numbers."""
    values = features[target].to_numpy()
    if task == "regression":
        return values.astype(np.float64)
    if task == "binary":
        return values
    classes = features.attrs.get(CLASSES)
    if not isinstance(classes, list) or not classes:
        raise TabmlError(
            f"the train features carry no class list for the multiclass column '{target}'; "
            "rerun prepare and featurize (dvc repro)"
        )
    codes = values.astype(np.int64)
    if codes.min() < 0 or codes.max() >= len(classes):
        raise TabmlError(f"the train features' column '{target}' has a code outside its classes")
    return np.asarray([str(c) for c in classes])[codes]


def train(
    features: pd.DataFrame,
    target: str,
    featurizer: ColumnTransformer,
    params: TrainParams,
    task: Task = "binary",
) -> Pipeline:
    """Fit the estimator; return one pipeline (featurizer + estimator) that takes raw columns.

    The fit runs on exactly `params.threads` OpenMP threads, whatever the machine has:
    HistGradientBoosting sums histograms per thread, so another thread count gives a model
    that differs in its last bits, and `dvc.lock` would differ between a laptop and a runner.
    """
    from threadpoolctl import threadpool_limits

    estimator = build_estimator(params, native_categorical_features(featurizer), task)
    boosting = params.model == "hist_gradient_boosting"
    total = params.hist_gradient_boosting.max_iter if boosting else None
    with (
        threadpool_limits(limits=params.threads, user_api="openmp"),
        track(f"train {params.model}", total, "iterations") as shown,
        counting_iterations(estimator, shown),
    ):
        estimator.fit(features.drop(columns=[target]), fit_target(features, target, task))
    return Pipeline([("features", featurizer), (STEP[task], estimator)])
