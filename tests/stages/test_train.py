"""train: the model type and hyperparameters come from params, the estimator from data.task."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge

from tabml.config import Params, parse_params
from tabml.contract import infer_contract
from tabml.errors import TabmlError
from tabml.stages.featurize import featurize
from tabml.stages.prepare import prepare
from tabml.stages.train import train
from tests.stages.task_tables import task_params, task_table


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


@pytest.mark.parametrize(
    ("task", "model", "estimator"),
    [
        ("multiclass", "hist_gradient_boosting", HistGradientBoostingClassifier),
        ("multiclass", "logistic_regression", LogisticRegression),
        ("regression", "hist_gradient_boosting", HistGradientBoostingRegressor),
        ("regression", "ridge", Ridge),
    ],
)
def test_each_task_trains_its_estimator(
    tmp_path: Path, task: str, model: str, estimator: type
) -> None:
    params = parse_params(task_params(task, path=str(tmp_path / "t.csv")))
    frame = task_table(task)
    train_split, test = prepare(frame, infer_contract(frame), params.data, params.split, "t.csv")
    encoding = "native" if model == "hist_gradient_boosting" else "onehot"
    featurizer, features = featurize(
        train_split, params.data, params.featurize.model_copy(update={"categorical": encoding})
    )
    chosen = params.train.model_copy(update={"model": model})
    fitted = train(features, params.data.target, featurizer, chosen, params.data.task)
    assert isinstance(fitted[-1], estimator)
    if task == "multiclass":
        assert fitted.steps[-1][0] == "classifier"
        assert fitted.classes_.tolist() == ["barbera", "barolo", "grignolino"]  # fitted on names
        assert set(fitted.predict(test)) <= set(fitted.classes_)
        assert fitted.predict_proba(test).shape == (len(test), 3)
    else:
        assert fitted.steps[-1][0] == "regressor"
        assert fitted.predict(test).dtype == np.float64


def test_a_multiclass_fit_without_the_class_list_is_refused(tmp_path: Path) -> None:
    params = parse_params(task_params("multiclass"))
    frame = task_table("multiclass")
    train_split, _ = prepare(frame, infer_contract(frame), params.data, params.split, "t.csv")
    featurizer, features = featurize(train_split, params.data, params.featurize)
    features.attrs.clear()  # a features file from before the class list
    with pytest.raises(TabmlError, match="carry no class list for the multiclass column"):
        train(features, "cultivar", featurizer, params.train, "multiclass")


@pytest.mark.parametrize(
    ("task", "model"), [("regression", "hist_gradient_boosting"), ("binary", "logistic_regression")]
)
def test_progress_lines_show_the_fit_and_leave_the_model_bytes_alone(
    task: str, model: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tabml import progress
    from tabml.io import canonical_skops

    params = parse_params(task_params(task))
    frame = task_table(task)
    split, _ = prepare(frame, infer_contract(frame), params.data, params.split, "t.csv")
    encoding = "native" if model == "hist_gradient_boosting" else "onehot"
    featurizer, features = featurize(
        split, params.data, params.featurize.model_copy(update={"categorical": encoding})
    )
    hgb = params.train.hist_gradient_boosting.model_copy(update={"max_iter": 20})
    chosen = params.train.model_copy(update={"model": model, "hist_gradient_boosting": hgb})

    def fitted_bytes() -> bytes:
        import skops.io as sio

        fitted = train(features, params.data.target, featurizer, chosen, params.data.task)
        return canonical_skops(sio.dumps(fitted[-1]))  # the featurizer is fitted before

    monkeypatch.setenv("TABML_PROGRESS", "off")
    quiet = fitted_bytes()
    monkeypatch.setenv("TABML_PROGRESS", "plain")
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.setattr(progress, "QUIET", 0.0)
    monkeypatch.setattr(progress, "HEARTBEAT", 0.0)
    assert fitted_bytes() == quiet
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and lines and lines[-1].startswith(f"train {model}: ")
    assert "done in" in lines[-1]
    if model == "hist_gradient_boosting":
        total = chosen.hist_gradient_boosting.max_iter
        assert f"/{total} iterations" in lines[-1] and len(lines) > 2
