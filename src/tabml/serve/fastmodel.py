"""The final estimator of a tabml pipeline as a few numpy operations, for the serving fast path.

`HistGradientBoostingClassifier.predict_proba` calls every tree from Python: about 3.5 ms for
one row of a 200-tree model, whatever the rows. `CompiledTrees` holds all the trees' nodes in flat
arrays and walks every (row, tree) pair one level per step, the way the Cython predictor walks one
tree: NaN goes where the node sends missing values, a number goes left at or below the threshold,
and a category goes left when it is in the node's left set, right when it is any other category
seen in training, and where missing values go otherwise. Leaf values are then added in the
model's own order (baseline first, then each tree), so the raw score is the model's bit for bit.
`CompiledLinear` is `LogisticRegression`'s decision function and sigmoid.

Both read private attributes of scikit-learn (`_predictors`, `_bin_mapper`, `_preprocessor`,
`_loss`): `fastpath.compile_fast_path` only uses them after comparing the result with the
pipeline itself, and falls back to the pipeline when anything is unexpected.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

_MISSING = 256  # the category code of NaN, negative and out-of-range values
_CODES = np.arange(256)


class UnsupportedError(Exception):
    """The fast path cannot reproduce this model; the message says why (the server logs it)."""


def _bits(bitsets: np.ndarray, row: int) -> np.ndarray:
    """Membership of the codes 0..255 in one row of a scikit-learn 8 x 32-bit bitset array."""
    members: np.ndarray = ((bitsets[row, _CODES // 32] >> (_CODES % 32)) & 1).astype(bool)
    return members


class CompiledTrees:
    """A binary HistGradientBoostingClassifier's trees, walked level by level with numpy.

    Every node compares one value of an extended row with a threshold and goes left when it is
    at or below it. The extended row holds the features, then the features with NaN as -inf (for
    nodes that send missing values left), then one 0/1 value per categorical node: that node's
    decision, looked up for the row's category in a table made from the node's bitsets.
    """

    def __init__(self, model: HistGradientBoostingClassifier) -> None:
        if model.n_trees_per_iteration_ != 1 or type(model._loss).__name__ != "HalfBinomialLoss":
            raise UnsupportedError("the gradient-boosted model is not a binary log-loss one")
        known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
        self.preprocessor = model._preprocessor
        self.n_features = width = int(model.n_features_in_)
        self.baseline = float(np.asarray(model._baseline_prediction).ravel()[0])
        columns, thresholds, firsts, values, roots, depths = [], [], [], [], [], []
        tables: list[np.ndarray] = []
        cat_features: list[int] = []
        offset = 0
        for (predictor,) in model._predictors:
            order, first = _children_adjacent(predictor.nodes)
            nodes = predictor.nodes[order]
            renumber = np.empty(len(nodes), dtype=np.intp)
            renumber[order] = np.arange(len(nodes)) + offset
            leaf = nodes["is_leaf"].astype(bool)
            categorical = nodes["is_categorical"].astype(bool) & ~leaf
            feature = nodes["feature_idx"].astype(np.intp)
            column = np.where(nodes["missing_go_to_left"].astype(bool), width + feature, feature)
            threshold = nodes["num_threshold"].astype(np.float64)
            for i in np.flatnonzero(categorical):
                node = nodes[i]
                table = np.full(_MISSING + 1, bool(node["missing_go_to_left"]))
                table[:256][_bits(known, int(f_idx_map[node["feature_idx"]]))] = False
                table[:256][_bits(predictor.raw_left_cat_bitsets, int(node["bitset_idx"]))] = True
                column[i], threshold[i] = 2 * width + len(tables), 0.5
                tables.append(table)
                cat_features.append(int(node["feature_idx"]))
            # A leaf goes "left" to itself: a feature with NaN as -inf is always <= +inf.
            columns.append(np.where(leaf, width, column))
            thresholds.append(np.where(leaf, np.inf, threshold))
            firsts.append(np.where(leaf, renumber[order], renumber[first]))
            values.append(nodes["value"].astype(np.float64))
            roots.append(offset)
            offset += len(nodes)
            depths.append(int(nodes["depth"].max()))
        self.column, self.threshold = np.concatenate(columns), np.concatenate(thresholds)
        self.first, self.value = np.concatenate(firsts), np.concatenate(values)
        self.tables = np.concatenate(tables) if tables else np.zeros(0, dtype=bool)
        self.table_starts = np.arange(len(tables), dtype=np.intp) * (_MISSING + 1)
        self.cat_features = np.array(cat_features, dtype=np.intp)
        # Deepest trees first: after level L only the trees deeper than L still move, and they
        # are a prefix. `unsort` puts the leaves back in the model's order before they are added.
        deepest_first = np.argsort(-np.array(depths), kind="stable")
        self.roots = np.array(roots, dtype=np.intp)[deepest_first]
        self.unsort = np.argsort(deepest_first)
        self.moving = [sum(d > level for d in depths) for level in range(max(depths))]
        self.summary = f"{len(roots)} trees walked level by level in numpy"

    def prepare(self, features: pd.DataFrame) -> np.ndarray:
        """What `predict_proba` makes of the featurizer's output before the trees (slow path)."""
        if self.preprocessor is not None:
            return np.asarray(self.preprocessor.transform(features), dtype=np.float64)
        return np.asarray(features, dtype=np.float64)

    def positive(self, x: np.ndarray) -> np.ndarray:
        """Positive-class probabilities of the rows of `x` (the trees' input, float64)."""
        n = x.shape[0]
        parts = [x, np.where(np.isnan(x), -np.inf, x)]
        if len(self.cat_features):
            # Like the Cython predictor's uint8 cast; NaN, negative and >= 256 are missing.
            category = x[:, self.cat_features]
            valid = (category >= 0) & (category < 256)
            codes = np.where(valid, np.where(valid, category, 0).astype(np.intp), _MISSING)
            parts.append(~self.tables.take(self.table_starts + codes))
        extended = np.concatenate(parts, axis=1, dtype=np.float64)
        flat = extended.ravel()
        base = (np.arange(n) * extended.shape[1])[:, None]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        for moving in self.moving:
            walking = node[:, :moving]
            left = flat.take(base + self.column.take(walking)) <= self.threshold.take(walking)
            node[:, :moving] = self.first.take(walking) + ~left
        leaves = self.value.take(node)[:, self.unsort]
        raw = np.cumsum(np.column_stack([np.full(n, self.baseline), leaves]), axis=1)[:, -1]
        result: np.ndarray = expit(raw)
        return result


def _children_adjacent(nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A node order (breadth first from the root) in which each split's right child directly
    follows its left one, and each node's left child in the original numbering."""
    order = [0]
    for index in order:  # grows while iterating: a breadth-first walk
        if not nodes[index]["is_leaf"]:
            order += [int(nodes[index]["left"]), int(nodes[index]["right"])]
    first = np.where(nodes["is_leaf"].astype(bool), 0, nodes["left"]).astype(np.intp)
    return np.array(order, dtype=np.intp), first[order]


class CompiledLinear:
    """A binary LogisticRegression: sigmoid of `x @ coef.T + intercept`, as scikit-learn does."""

    preprocessor = None

    def __init__(self, model: LogisticRegression) -> None:
        if len(model.classes_) != 2 or model.coef_.shape[0] != 1:
            raise UnsupportedError("the logistic regression is not a binary one")
        self.coef_t = model.coef_.T
        self.intercept = model.intercept_
        self.n_features = int(model.coef_.shape[1])
        self.summary = "the linear model in numpy"

    def prepare(self, features: pd.DataFrame) -> np.ndarray:
        """The featurizer's output as the float64 array scikit-learn validates it into."""
        return np.asarray(features, dtype=np.float64)

    def positive(self, x: np.ndarray) -> np.ndarray:
        """Positive-class probabilities of the rows of `x`."""
        result: np.ndarray = expit((x @ self.coef_t + self.intercept).reshape(-1))
        return result


CompiledModel = CompiledTrees | CompiledLinear


def compile_model(model: Any) -> CompiledModel:
    """The compiled form of a pipeline's final estimator, or `UnsupportedError`."""
    if type(model) is HistGradientBoostingClassifier:
        return CompiledTrees(model)
    if type(model) is LogisticRegression:
        return CompiledLinear(model)
    raise UnsupportedError(f"the final estimator is a {type(model).__name__}")
