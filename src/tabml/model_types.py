"""The closed set of types a tabml model file may contain, and the checks that enforce it.

skops refuses types outside an allow-list, but an allow-list by prefix is not one: scikit-learn
re-exports plain functions under `sklearn.` (`sklearn.utils._testing.check_output` is
`subprocess.check_output`), and skops calls whatever a file names as a constructor. So a model
file may contain only the exact (type, skops node kind) pairs below: what training every model
option of every task (binary, multiclass, regression) produces. `tests/test_model_types.py`
trains every option again and fails, listing the missing pairs, when a new option adds one. To
add it: review each pair (a class, or a function that the file only refers to and never calls)
and add it here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import BaseHistGradientBoosting
from sklearn.pipeline import Pipeline

# The skops file protocol this template writes. Older protocols load some nodes differently
# (a protocol-0 function names itself in its content), so a file of another protocol is refused.
SKOPS_PROTOCOL = 2

# The node kind of the bit generator a numpy Generator names (skops keeps it as a string).
BIT_GENERATOR = "BitGenerator"

_K = frozenset
MODEL_TYPES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # Python and numpy values
        "builtins.dict": _K({"DictNode"}),
        "builtins.int": _K({"TypeNode"}),
        "builtins.list": _K({"ListNode"}),
        "builtins.slice": _K({"SliceNode"}),
        "builtins.str": _K({"JsonNode", "TypeNode"}),
        "builtins.tuple": _K({"TupleNode"}),
        "numpy.dtype": _K({"DTypeNode"}),
        "numpy.float64": _K({"NdArrayNode", "TypeNode"}),
        "numpy.ndarray": _K({"NdArrayNode"}),
        "numpy.uint64": _K({"NdArrayNode"}),
        "numpy.random._generator.Generator": _K({"RandomGeneratorNode"}),
        "numpy.random.PCG64": _K({BIT_GENERATOR}),
        # HistGradientBoosting's input check on categorical features: referenced, never called
        "functools.partial": _K({"PartialNode"}),
        "sklearn.utils.validation.check_array": _K({"FunctionNode"}),
        # the featurizer (ColumnTransformer of imputer, scaler, encoders)
        "sklearn.compose._column_transformer.ColumnTransformer": _K({"ObjectNode"}),
        "sklearn.impute._base.SimpleImputer": _K({"ObjectNode"}),
        "sklearn.pipeline.Pipeline": _K({"ObjectNode"}),
        "sklearn.preprocessing._data.StandardScaler": _K({"ObjectNode"}),
        "sklearn.preprocessing._encoders.OneHotEncoder": _K({"ObjectNode"}),
        "sklearn.preprocessing._encoders.OrdinalEncoder": _K({"ObjectNode"}),
        "sklearn.preprocessing._function_transformer.FunctionTransformer": _K({"ObjectNode"}),
        "sklearn.preprocessing._label.LabelEncoder": _K({"ObjectNode"}),
        # train.model: logistic_regression (binary, multiclass) and ridge (regression)
        "sklearn.linear_model._logistic.LogisticRegression": _K({"ObjectNode"}),
        "sklearn.linear_model._ridge.Ridge": _K({"ObjectNode"}),
        # train.model: hist_gradient_boosting (its trees are checked by `check_loaded`), with
        # the loss and link of each task: binomial, multinomial, squared error
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting."
        "HistGradientBoostingClassifier": _K({"ObjectNode"}),
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting."
        "HistGradientBoostingRegressor": _K({"ObjectNode"}),
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper": _K({"ObjectNode"}),
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor": _K({"ObjectNode"}),
        "sklearn._loss._loss.CyHalfBinomialLoss": _K({"LossNode"}),
        "sklearn._loss._loss.CyHalfMultinomialLoss": _K({"LossNode"}),
        "sklearn._loss._loss.CyHalfSquaredError": _K({"LossNode"}),
        "sklearn._loss.link.IdentityLink": _K({"ObjectNode"}),
        "sklearn._loss.link.Interval": _K({"ObjectNode"}),
        "sklearn._loss.link.LogitLink": _K({"ObjectNode"}),
        "sklearn._loss.link.MultinomialLogit": _K({"ObjectNode"}),
        "sklearn._loss.loss.HalfBinomialLoss": _K({"ObjectNode"}),
        "sklearn._loss.loss.HalfMultinomialLoss": _K({"ObjectNode"}),
        "sklearn._loss.loss.HalfSquaredError": _K({"ObjectNode"}),
    }
)


def schema_types(schema: Any) -> set[tuple[str, str]]:
    """Every (type name, node kind) in a skops schema.

    Every JSON object with a `__loader__` is a node skops would build, wherever it sits, so all of
    them are collected (iteratively: a deep file cannot exhaust the stack). ValueError when one
    is malformed, since skops would not read it the way it looks.
    """
    found: set[tuple[str, str]] = set()
    stack: list[Any] = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "__loader__" in item:
                found.update(_node_types(item))
            stack.extend(item.values())
    return found


def _node_types(node: dict[str, Any]) -> Iterator[tuple[str, str]]:
    loader, module, name = node.get("__loader__"), node.get("__module__"), node.get("__class__")
    if not (isinstance(loader, str) and isinstance(module, str) and isinstance(name, str)):
        raise ValueError("a node without a string __loader__, __module__ and __class__")
    yield f"{module}.{name}", loader
    if loader == "RandomGeneratorNode":  # skops calls numpy.random.<this name> to build it
        try:
            state = node["content"]["bit_generator"]["content"]["bit_generator"]["content"]
            bit_generator = json.loads(state)
        except (KeyError, TypeError, ValueError):
            raise ValueError("a numpy Generator without its bit generator's name") from None
        yield f"numpy.random.{bit_generator}", BIT_GENERATOR


def check_file(schema: Any) -> str | None:
    """Why a file must not be loaded (the end of a sentence), or None when every node is known.

    ValueError when the schema is not what skops writes.
    """
    if not isinstance(schema, dict):
        raise ValueError("schema.json is not a JSON object")
    protocol = schema.get("protocol")
    if not isinstance(protocol, int):
        raise ValueError("schema.json names no protocol")
    if protocol != SKOPS_PROTOCOL:
        return (
            f"refusing to load skops file protocol {protocol}, as this tabml reads only protocol "
            f"{SKOPS_PROTOCOL} (rebuild the model with dvc repro)"
        )
    found = schema_types(schema)
    return _refuse([(name, kind) for name, kind in found if kind not in MODEL_TYPES.get(name, ())])


def check_reported(skops_untrusted: list[str]) -> str | None:
    """The same for the types skops reports: a second opinion, in case a node of a future skops
    reads a type from somewhere `schema_types` does not look."""
    return _refuse([(name, "type") for name in skops_untrusted if name not in MODEL_TYPES])


def _refuse(unknown: list[tuple[str, str]]) -> str | None:
    if not unknown:
        return None
    name, kind = sorted(unknown)[0]
    return (
        f"refusing to load untrusted type '{name}' (skops {kind}), since a tabml model contains "
        "only the types listed in tabml/model_types.py"
    )


def check_loaded(model: Any) -> str | None:
    """Why a loaded model must not be used, or None.

    scikit-learn's HistGradientBoosting trees are walked by compiled code that trusts every index
    in them (which is why skops does not trust `TreePredictor` by default): an index out of range
    reads outside the arrays, a child pointing back loops forever. Check them before any call.
    """
    steps = [step for _, step in model.steps] if isinstance(model, Pipeline) else [model]
    for step in steps:
        if isinstance(step, BaseHistGradientBoosting):
            problem = _check_trees(step)
            if problem:
                return f"{type(step).__name__} {problem}"
    return None


def _check_trees(model: BaseHistGradientBoosting) -> str | None:
    n_features = int(model.n_features_in_)
    is_categorical = np.asarray(model._bin_mapper.is_categorical_, dtype=bool)
    if is_categorical.shape != (n_features,):
        return f"marks categories for {is_categorical.size} features, not {n_features}"
    for iteration, predictors in enumerate(model._predictors):
        for predictor in predictors:
            problem = _check_tree(predictor, n_features, is_categorical)
            if problem:
                return f"tree {iteration} {problem}"
    return None


def _check_tree(predictor: Any, n_features: int, is_categorical: np.ndarray) -> str | None:
    nodes, bitsets = predictor.nodes, predictor.raw_left_cat_bitsets
    if not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE:
        return "has nodes that are not a tree's record array"
    if nodes.ndim != 1 or nodes.size == 0:
        return "has no nodes"
    if not isinstance(bitsets, np.ndarray) or bitsets.ndim != 2 or bitsets.shape[1] != 8:
        return "has category bitsets of the wrong shape"
    index = np.arange(nodes.size)
    split = nodes["is_leaf"] == 0
    left, right, feature = nodes["left"], nodes["right"], nodes["feature_idx"]
    children_ok = (left > index) & (right > index) & (left < nodes.size) & (right < nodes.size)
    if np.any(split & ~children_ok):
        return "has a split whose child is not a later node"
    if np.any(split & ((feature < 0) | (feature >= n_features))):
        return "splits on a feature the model does not have"
    categorical = split & (nodes["is_categorical"] != 0)
    if np.any(categorical & ~is_categorical[np.clip(feature, 0, n_features - 1)]):
        return "splits on a number as if it were a category"
    if np.any(categorical & (nodes["bitset_idx"] >= bitsets.shape[0])):
        return "has a category split without its bitset"
    return None
