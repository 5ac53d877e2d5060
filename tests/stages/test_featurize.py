"""featurize: fitted on train only; native or one-hot categories."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabml import io
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
    unseen["native-country"] = unseen["native-country"].cat.add_categories(["Atlantis"])
    unseen.loc[0, "native-country"] = "Atlantis"
    assert featurizer.transform(unseen).shape[0] == len(unseen)


def test_fitted_on_train_only(splits: tuple[pd.DataFrame, pd.DataFrame], params: Params) -> None:
    train = splits[0]
    featurizer, _ = featurize(train, params.data, params.featurize)
    imputer = featurizer.named_transformers_["numeric"]["impute"]
    assert imputer.statistics_[0] == train["age"].median()


@pytest.mark.parametrize("categorical", ["native", "onehot"])
def test_categorical_splits_featurize_exactly_as_text(
    splits: tuple[pd.DataFrame, pd.DataFrame], params: Params, categorical: str, tmp_path: Path
) -> None:
    """The prepared splits hold text as categoricals; the featurizer learns the same categories
    and writes the same features and the same file bytes as from plain text columns."""
    settings = params.featurize.model_copy(update={"categorical": categorical})
    train = splits[0]
    text = train.copy()
    for name in text.columns:
        if isinstance(text[name].dtype, pd.CategoricalDtype):
            text[name] = text[name].astype("str")
    assert any(isinstance(d, pd.CategoricalDtype) for d in train.dtypes)
    fitted = {}
    for label, frame in (("categorical", train), ("text", text)):
        featurizer, features = featurize(frame, params.data, settings)
        io.save_model(tmp_path / f"{label}.skops", featurizer)
        fitted[label] = (features, (tmp_path / f"{label}.skops").read_bytes())
    assert fitted["categorical"][0].equals(fitted["text"][0])
    assert fitted["categorical"][1] == fitted["text"][1]
