"""Stage 3: fit the classifier chosen in params on the train features."""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from tabml.config import TrainParams
from tabml.stages.featurize import native_categorical_features


def build_classifier(
    params: TrainParams, categorical_features: list[str]
) -> LogisticRegression | HistGradientBoostingClassifier:
    """An unfitted estimator of the type and hyperparameters that params choose."""
    if params.model == "logistic_regression":
        lr = params.logistic_regression
        return LogisticRegression(
            C=lr.C, max_iter=lr.max_iter, class_weight=lr.class_weight, random_state=params.seed
        )
    hgb = params.hist_gradient_boosting
    return HistGradientBoostingClassifier(
        learning_rate=hgb.learning_rate,
        max_iter=hgb.max_iter,
        max_leaf_nodes=hgb.max_leaf_nodes,
        min_samples_leaf=hgb.min_samples_leaf,
        l2_regularization=hgb.l2_regularization,
        early_stopping=hgb.early_stopping,
        categorical_features=categorical_features or None,
        random_state=params.seed,
    )


def train(
    features: pd.DataFrame, target: str, featurizer: ColumnTransformer, params: TrainParams
) -> Pipeline:
    """Fit the classifier; return one pipeline (featurizer + classifier) that takes raw columns.

    The fit runs on exactly `params.threads` OpenMP threads, whatever the machine has:
    HistGradientBoosting sums histograms per thread, so another thread count gives a model
    that differs in its last bits, and `dvc.lock` would differ between a laptop and a runner.
    """
    from threadpoolctl import threadpool_limits

    classifier = build_classifier(params, native_categorical_features(featurizer))
    with threadpool_limits(limits=params.threads, user_api="openmp"):
        classifier.fit(features.drop(columns=[target]), features[target].to_numpy())
    return Pipeline([("features", featurizer), ("classifier", classifier)])
