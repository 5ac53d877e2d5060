"""`tabml.io.load_model` refuses crafted model files before they can do anything."""

from __future__ import annotations

import io as bytes_io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sklearn.utils._testing
import skops.io as sio
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier

from tabml import io
from tabml.errors import TabmlError


def saved_model(folder: Path, categorical: bool = False) -> Path:
    """A real model file written by tabml: small gradient boosting, optionally on a category."""
    x, y = make_classification(200, n_features=4, random_state=0)
    if categorical:
        x[:, 0] = (x[:, 0] > 0).astype(float) + (x[:, 1] > 0)
        y = (x[:, 0] == 1).astype(int)  # so that the trees split on the category
    model = HistGradientBoostingClassifier(
        max_iter=5, categorical_features=[0] if categorical else None, random_state=0
    ).fit(x, y)
    path = folder / "model.skops"
    io.save_model(path, model)
    return path


def node_of(value: Any) -> dict[str, Any]:
    """How skops stores `value`, as a node to put into another file's schema."""
    schema = json.loads(zipfile.ZipFile(bytes_io.BytesIO(sio.dumps(value))).read("schema.json"))
    return {k: v for k, v in schema.items() if k not in ("protocol", "_skops_version", "__id__")}


def rewrite(path: Path, edit: Any) -> Path:
    """Write `path` again with `edit(schema)` applied to its schema.json."""
    source = zipfile.ZipFile(bytes_io.BytesIO(path.read_bytes()))
    schema = json.loads(source.read("schema.json"))
    edit(schema)
    out = bytes_io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = json.dumps(schema) if name == "schema.json" else source.read(name)
            target.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def add_attribute(node: dict[str, Any]) -> Any:
    """An edit that gives the model one more attribute, built from `node` when loaded."""

    def edit(schema: dict[str, Any]) -> None:
        attributes = schema["content"]
        attributes["content"]["_hidden"] = node
        attributes["key_types"]["content"].append(attributes["key_types"]["content"][0])

    return edit


def call(module: str, function: str, *args: Any) -> dict[str, Any]:
    """A node that skops builds by calling `module.function(*args)`."""
    return {
        "__class__": function,
        "__module__": module,
        "__loader__": "ConstructorFromReduceNode",
        "content": node_of(args),
    }


def test_a_re_exported_subprocess_function_is_refused_with_no_side_effect(tmp_path: Path) -> None:
    assert sklearn.utils._testing.check_output is subprocess.check_output  # the premise
    marker = tmp_path / "ran"
    payload = call("sklearn.utils._testing", "check_output", ["touch", str(marker)])
    path = rewrite(saved_model(tmp_path), add_attribute(payload))

    with pytest.raises(TabmlError) as refused:
        io.load_model(path)

    message = str(refused.value)
    assert message.startswith(f"{path}: refusing to load untrusted type ")
    assert "'sklearn.utils._testing.check_output' (skops ConstructorFromReduceNode)" in message
    assert ". " not in message and "\n" not in message  # one sentence
    assert not marker.exists()
    # The same bytes, loaded trusting what skops reports (as a prefix rule did), run the command.
    sio.loads(path.read_bytes(), trusted=sio.get_untrusted_types(data=path.read_bytes()))
    assert marker.exists()


def test_a_known_function_is_refused_as_a_constructor(tmp_path: Path) -> None:
    payload = call("sklearn.utils.validation", "check_array", [[1.0]])
    path = rewrite(saved_model(tmp_path), add_attribute(payload))
    with pytest.raises(TabmlError, match=r"'sklearn.utils.validation.check_array' \(skops Constr"):
        io.load_model(path)


def test_an_unknown_type_is_refused_by_name(tmp_path: Path) -> None:
    # skops itself trusts every scikit-learn estimator; a tabml model holds only a few.
    path = tmp_path / "dummy.skops"
    io.save_model(path, DummyClassifier().fit([[0], [1]], [0, 1]))
    with pytest.raises(TabmlError) as refused:
        io.load_model(path)
    assert str(refused.value) == (
        f"{path}: refusing to load untrusted type 'sklearn.dummy.DummyClassifier' (skops "
        "ObjectNode), since a tabml model contains only the types listed in tabml/model_types.py"
    )


def test_another_skops_protocol_is_refused(tmp_path: Path) -> None:
    path = rewrite(saved_model(tmp_path), lambda schema: schema.update(protocol=0))
    with pytest.raises(TabmlError, match="refusing to load skops file protocol 0, as this tabml"):
        io.load_model(path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda schema: schema.update(__loader__=["ObjectNode"]),
        lambda schema: schema.__setitem__("content", {"__loader__": "DictNode"}),
        lambda schema: schema.clear(),
    ],
)
def test_a_malformed_schema_is_not_a_model_file(tmp_path: Path, edit: Any) -> None:
    path = rewrite(saved_model(tmp_path), edit)
    with pytest.raises(TabmlError, match=f"{path}: not a skops model file"):
        io.load_model(path)


def test_a_model_that_fails_to_build_is_refused(tmp_path: Path) -> None:
    path = rewrite(saved_model(tmp_path), lambda schema: schema.update(content=node_of([1])))
    with pytest.raises(TabmlError, match=f"{path}: not a loadable tabml model"):
        io.load_model(path)


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("left", 0, "has a split whose child is not a later node"),  # a loop
        ("right", 10**6, "has a split whose child is not a later node"),  # out of the array
        ("feature_idx", 4, "splits on a feature the model does not have"),
        ("feature_idx", -1, "splits on a feature the model does not have"),
        ("is_categorical", 1, "splits on a number as if it were a category"),
    ],
)
def test_a_crafted_tree_is_refused(tmp_path: Path, field: str, value: int, why: str) -> None:
    model = io.load_model(saved_model(tmp_path))
    nodes = model._predictors[0][0].nodes
    nodes[field][int(np.flatnonzero(nodes["is_leaf"] == 0)[0])] = value
    path = tmp_path / "crafted.skops"
    io.save_model(path, model)
    with pytest.raises(TabmlError) as refused:
        io.load_model(path)
    assert str(refused.value) == (
        f"{path}: refusing a damaged or crafted model, as its HistGradientBoostingClassifier "
        f"tree 0 {why}"
    )


def test_a_category_split_without_its_bitset_is_refused(tmp_path: Path) -> None:
    model = io.load_model(saved_model(tmp_path, categorical=True))
    predictor = next(
        p for ps in model._predictors for p in ps if np.any(p.nodes["is_categorical"] == 1)
    )
    nodes = predictor.nodes
    nodes["bitset_idx"][int(np.flatnonzero(nodes["is_categorical"] == 1)[0])] = 99
    path = tmp_path / "crafted.skops"
    io.save_model(path, model)
    with pytest.raises(TabmlError, match="has a category split without its bitset"):
        io.load_model(path)
