"""featurize: fitted on train only; native or one-hot categories."""

import numpy as np
import pandas as pd

from tabml.config import Params
from tabml.stages.featurize import feature_columns, featurize, native_categorical_features


def test_groups_and_ids_are_not_features(
    splits: tuple[pd.DataFrame, pd.DataFrame], params: Params
) -> None:
    numeric, categorical = feature_columns(splits[0], params.data)
    assert "age" in numeric and "education" in categorical
    assert not {"gender", "race", "income", "row_id"} & set(numeric + categorical)


def test_native_encoding(splits: tuple[pd.DataFrame, pd.DataFrame], params: Params) -> None:
    featurizer, features = featurize(splits[0], params.data, params.featurize)
    assert "education" in native_categorical_features(featurizer)
    assert features["income"].tolist() == splits[0]["income"].tolist()
    assert features["age"].mean() == np.float64(features["age"].mean())
    assert abs(features["age"].mean()) < 1e-9  # scaled on train


def test_onehot_encoding_handles_unseen_categories(
    splits: tuple[pd.DataFrame, pd.DataFrame], params: Params
) -> None:
    onehot = params.featurize.model_copy(update={"categorical": "onehot"})
    featurizer, features = featurize(splits[0], params.data, onehot)
    assert native_categorical_features(featurizer) == []
    assert any(column.startswith("education_") for column in features.columns)
    unseen = splits[1].copy()
    unseen.loc[0, "native-country"] = "Atlantis"
    assert featurizer.transform(unseen).shape[0] == len(unseen)


def test_fitted_on_train_only(splits: tuple[pd.DataFrame, pd.DataFrame], params: Params) -> None:
    train = splits[0]
    featurizer, _ = featurize(train, params.data, params.featurize)
    imputer = featurizer.named_transformers_["numeric"]["impute"]
    assert imputer.statistics_[0] == train["age"].median()
