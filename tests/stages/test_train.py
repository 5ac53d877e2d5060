"""train: the model type and hyperparameters come from params."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from tabml.config import Params
from tabml.stages.featurize import featurize
from tabml.stages.train import train


@pytest.mark.parametrize(
    ("model", "encoding", "estimator"),
    [
        ("hist_gradient_boosting", "native", HistGradientBoostingClassifier),
        ("hist_gradient_boosting", "onehot", HistGradientBoostingClassifier),
        ("logistic_regression", "onehot", LogisticRegression),
    ],
)
def test_trains_the_chosen_model(
    splits: tuple[pd.DataFrame, pd.DataFrame],
    params: Params,
    model: str,
    encoding: str,
    estimator: type,
) -> None:
    featurizer, features = featurize(
        splits[0], params.data, params.featurize.model_copy(update={"categorical": encoding})
    )
    fitted = train(features, "income", featurizer, params.train.model_copy(update={"model": model}))
    assert isinstance(fitted["classifier"], estimator)
    scores = fitted.predict_proba(splits[1])[:, 1]
    assert scores.shape == (len(splits[1]),)
    assert ((scores >= 0) & (scores <= 1)).all()


def test_hyperparameters_are_passed(
    splits: tuple[pd.DataFrame, pd.DataFrame], params: Params
) -> None:
    featurizer, features = featurize(splits[0], params.data, params.featurize)
    hgb = params.train.hist_gradient_boosting.model_copy(
        update={"max_iter": 7, "learning_rate": 0.3}
    )
    fitted = train(
        features,
        "income",
        featurizer,
        params.train.model_copy(update={"hist_gradient_boosting": hgb}),
    )
    classifier = fitted["classifier"]
    assert classifier.n_iter_ == 7 and classifier.learning_rate == 0.3
    assert classifier.is_categorical_ is not None and np.any(classifier.is_categorical_)
