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


@pytest.mark.parametrize("threads", [1, 2])
def test_the_fit_runs_on_exactly_the_threads_params_ask_for(
    splits: tuple[pd.DataFrame, pd.DataFrame],
    params: Params,
    threads: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another thread count changes the model's last bits, so it never follows the machine."""
    from threadpoolctl import threadpool_info, threadpool_limits

    seen: list[int] = []
    fit = HistGradientBoostingClassifier.fit

    def spy(self: HistGradientBoostingClassifier, *args: object, **kwargs: object) -> object:
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp")
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", spy)
    featurizer, features = featurize(splits[0], params.data, params.featurize)
    with threadpool_limits(limits=3, user_api="openmp"):  # what the machine would offer
        train(features, "income", featurizer, params.train.model_copy(update={"threads": threads}))
    assert seen and set(seen) == {threads}
