"""params.yaml is validated once, with one clear sentence per problem."""

from pathlib import Path

import pytest
import yaml

from tabml.config import Params, load_params, parse_params
from tabml.errors import TabmlError
from tests.support import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def committed() -> dict[str, object]:
    return dict(yaml.safe_load((ROOT / "params.yaml").read_text()))


def own() -> dict[str, object]:
    """The tests' own binary params: the user's params.yaml may hold any task after make adopt."""
    return dict(yaml.safe_load((FIXTURES / "adult_sample.params.yaml").read_text()))


def test_committed_params_are_valid() -> None:
    """A check of the user's project: whatever table it holds, its params must load."""
    params = load_params(ROOT / "params.yaml")
    assert params.data.target == committed()["data"]["target"]  # type: ignore[index]


def test_params_are_frozen() -> None:
    params = load_params(ROOT / "params.yaml")
    with pytest.raises(ValueError, match="frozen"):
        params.split.seed = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("train", "lerning_rate", 0.1, "unknown key 'train.lerning_rate'"),
        ("split", "test_size", 1.5, "key 'split.test_size' input should be less than 1"),
        ("split", "test_size", "a lot", "key 'split.test_size' input should be a valid number"),
        ("train", "model", "xgboost", "key 'train.model' input should be"),
        ("evaluate", "threshold", 0, "key 'evaluate.threshold' input should be greater than 0"),
    ],
)
def test_bad_values_name_the_key(section: str, key: str, value: object, message: str) -> None:
    raw = own()
    raw[section] = {**raw[section], key: value}  # type: ignore[dict-item]
    with pytest.raises(TabmlError, match="^params.yaml: ") as error:
        parse_params(raw)
    assert message in str(error.value)


def test_nested_typo_names_the_full_path() -> None:
    raw = own()
    raw["train"]["hist_gradient_boosting"]["max_iters"] = 5  # type: ignore[index]
    with pytest.raises(TabmlError, match=r"unknown key 'train\.hist_gradient_boosting\.max_iters'"):
        parse_params(raw)


def test_missing_section_is_named() -> None:
    raw = own()
    del raw["data"]
    with pytest.raises(TabmlError, match="missing key 'data'"):
        parse_params(raw)


def test_native_categories_need_trees() -> None:
    raw = own()
    raw["train"]["model"] = "logistic_regression"  # type: ignore[index]
    with pytest.raises(TabmlError, match="featurize.categorical 'native' needs"):
        parse_params(raw)


def test_onehot_logistic_regression_is_fine() -> None:
    raw = own()
    raw["train"]["model"] = "logistic_regression"  # type: ignore[index]
    raw["featurize"]["categorical"] = "onehot"  # type: ignore[index]
    assert isinstance(parse_params(raw), Params)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data: [unclosed", "not valid YAML at line 1"),
        ("", "file is empty"),
        ("- a\n- b\n", "expected a mapping"),
    ],
)
def test_unreadable_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(TabmlError, match=message):
        load_params(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match="params.yaml: file not found"):
        load_params(tmp_path / "params.yaml")
