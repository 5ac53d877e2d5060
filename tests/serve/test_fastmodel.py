"""Compiled estimators give the scikit-learn model's own output on awkward inputs for every task
(probabilities, class probabilities, predicted values), and refuse models they cannot reproduce."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression, Ridge
from threadpoolctl import ThreadpoolController

from tabml.metrics import Task
from tabml.serve.fastmodel import UnsupportedError, compile_model


@pytest.fixture(autouse=True)
def one_openmp_thread() -> Iterator[None]:
    with ThreadpoolController().limit(limits=1, user_api="openmp"):
        yield


def training_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two numbers (the first missing 20% of the time, the second never) and two category codes
    (the first with missing values); the label depends on all four."""
    rng = np.random.default_rng(seed)
    n = 600
    x = np.column_stack(
        [
            rng.normal(size=n),
            rng.normal(size=n),
            rng.integers(0, 6, n).astype(float),
            rng.integers(0, 3, n).astype(float),
        ]
    )
    x[rng.random(n) < 0.2, 0] = np.nan
    x[rng.random(n) < 0.1, 2] = np.nan
    logit = np.nan_to_num(x[:, 0], nan=1.5) - x[:, 1] + np.isin(x[:, 2], [1, 4]) - (x[:, 3] == 2)
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * logit))).astype(int)
    return x, y


def awkward_rows() -> np.ndarray:
    """Held-out rows, then missing values everywhere, unseen, negative and fractional codes."""
    x, _ = training_data(seed=1)
    special = [
        [np.nan, np.nan, np.nan, np.nan],  # the second number was never missing in training
        [0.3, -0.2, 7.0, 2.0],  # category 7 was never seen
        [0.3, -0.2, -1.0, 300.0],  # negative and out-of-range codes
        [0.3, -0.2, 1.5, 0.0],  # not a whole code
        [1e300, -1e300, 4.0, 1.0],
    ]
    return np.vstack([x[:200], special])


def test_compiled_trees_walk_like_the_cython_predictor() -> None:
    x, y = training_data()
    model = HistGradientBoostingClassifier(
        max_iter=40, categorical_features=[2, 3], min_samples_leaf=5, random_state=0
    ).fit(x, y)
    compiled = compile_model(model)
    rows = awkward_rows()
    got = compiled.output(compiled.prepare(rows))  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, model.predict_proba(rows)[:, 1])


def test_compiled_trees_without_categories() -> None:
    x, y = training_data()
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(x, y)
    compiled = compile_model(model)
    rows = awkward_rows()
    got = compiled.output(compiled.prepare(rows))  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, model.predict_proba(rows)[:, 1])


def test_compiled_linear_model_matches_predict_proba() -> None:
    x, y = training_data()
    x = np.nan_to_num(x)
    model = LogisticRegression().fit(x, y)
    compiled = compile_model(model)
    rows = np.nan_to_num(awkward_rows()[:200])
    got = compiled.output(rows)
    assert np.max(np.abs(got - model.predict_proba(rows)[:, 1])) <= 1e-12


def three_classes_and_a_value(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A class (0, 1, 2) and a number that both depend on the features, missing values too."""
    signal = np.nan_to_num(x[:, 0], nan=1.5) - x[:, 1] + np.isin(x[:, 2], [1, 4])
    classes = np.digitize(signal, [-0.5, 0.7])
    return classes, 1000.0 * signal + 50.0 * x[:, 3]


def test_compiled_trees_give_each_class_probability_of_a_multiclass_model() -> None:
    x, _ = training_data()
    classes, _ = three_classes_and_a_value(x)
    model = HistGradientBoostingClassifier(
        max_iter=10, categorical_features=[2, 3], min_samples_leaf=5, random_state=0
    ).fit(x, classes)
    compiled = compile_model(model, "multiclass")
    rows = awkward_rows()
    got = compiled.output(compiled.prepare(rows))  # type: ignore[arg-type]
    assert got.shape == (len(rows), 3)
    np.testing.assert_array_equal(got, model.predict_proba(rows))


def test_compiled_trees_predict_the_values_of_a_regressor() -> None:
    x, _ = training_data()
    _, values = three_classes_and_a_value(x)
    model = HistGradientBoostingRegressor(
        max_iter=30, categorical_features=[2, 3], random_state=0
    ).fit(x, values)
    compiled = compile_model(model, "regression")
    rows = awkward_rows()
    got = compiled.output(compiled.prepare(rows))  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, model.predict(rows))


def test_compiled_linear_models_of_the_other_tasks() -> None:
    x, _ = training_data()
    classes, values = three_classes_and_a_value(x)
    x, rows = np.nan_to_num(x), np.nan_to_num(awkward_rows()[:200])
    multinomial = LogisticRegression().fit(x, classes)
    got = compile_model(multinomial, "multiclass").output(rows)
    assert np.max(np.abs(got - multinomial.predict_proba(rows))) <= 1e-12
    two_classes = LogisticRegression().fit(x, classes == 2)  # a multiclass task that saw two
    got = compile_model(two_classes, "multiclass").output(rows)
    assert np.max(np.abs(got - two_classes.predict_proba(rows))) <= 1e-12
    ridge = Ridge().fit(x, values)
    got = compile_model(ridge, "regression").output(rows)
    assert np.max(np.abs(got - ridge.predict(rows)) / np.abs(ridge.predict(rows))) <= 1e-12


@pytest.mark.parametrize(
    ("model", "task", "reason"),
    [
        (
            HistGradientBoostingClassifier(max_iter=5),
            "binary",
            "HalfMultinomialLoss is not a binary",
        ),
        (HistGradientBoostingClassifier(max_iter=5), "regression", "is not a regression one"),
        (HistGradientBoostingRegressor(max_iter=5), "multiclass", "is not a multiclass one"),
        (LogisticRegression(), "binary", "logistic regression of 3 classes is not a binary one"),
        (Ridge(), "binary", "a ridge regression is not a binary one"),
        (LogisticRegression(), "regression", "is not a regression one"),
        (
            RandomForestClassifier(n_estimators=2),
            "multiclass",
            "the final estimator is a RandomForestClassifier",
        ),
    ],
)
def test_models_it_cannot_reproduce_are_refused(model: object, task: Task, reason: str) -> None:
    x, _ = training_data()
    three_classes = np.arange(len(x)) % 3
    model.fit(np.nan_to_num(x), three_classes)  # type: ignore[attr-defined]
    with pytest.raises(UnsupportedError, match=reason):
        compile_model(model, task)
