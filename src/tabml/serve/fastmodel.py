"""The final estimator of a tabml pipeline as a few numpy operations, for the serving fast path.

`HistGradientBoosting*.predict_proba` and `predict` call every tree from Python: about 3.5 ms for
one row of a 200-tree model, whatever the rows. `CompiledTrees` holds all the trees' nodes in flat
arrays and walks every (row, tree) pair one level per step, the way the Cython predictor walks one
tree: NaN goes where the node sends missing values, a number goes left at or below the threshold,
and a category goes left when it is in the node's left set, right when it is any other category
seen in training, and where missing values go otherwise. Leaf values are then added in the
model's own order (each class's baseline first, then its trees), so the raw scores are the model's
bit for bit, and the model's own loss turns them into probabilities or predicted values.
`CompiledLinear` is the decision function of `LogisticRegression` (sigmoid or softmax) or `Ridge`.

Each compiled model gives the task's output (`tabml.serve.tasks`): binary P(positive) (1-D),
multiclass the (rows, classes) probabilities, regression the predicted values (1-D).

Both read private attributes of scikit-learn (`_predictors`, `_bin_mapper`, `_preprocessor`,
`_loss`): `fastpath.compile_fast_path` only uses them after comparing the result with the
pipeline itself, and falls back to the pipeline when anything is unexpected.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.extmath import softmax

from tabml.metrics import Task

_MISSING = 256  # the category code of NaN, negative and out-of-range values
_CODES = np.arange(256)


class UnsupportedError(Exception):
    """The fast path cannot reproduce this model; the message says why (the server logs it)."""


def _bits(bitsets: np.ndarray, row: int) -> np.ndarray:
    """Membership of the codes 0..255 in one row of a scikit-learn 8 x 32-bit bitset array."""
    members: np.ndarray = ((bitsets[row, _CODES // 32] >> (_CODES % 32)) & 1).astype(bool)
    return members


# The loss each task's gradient-boosted model is fitted with (scikit-learn's defaults); a model
# with another loss (a multiclass task of two classes is fitted as binary) gets its own output.
_TREE_LOSSES: dict[Task, tuple[str, ...]] = {
    "binary": ("HalfBinomialLoss",),
    "multiclass": ("HalfMultinomialLoss", "HalfBinomialLoss"),
    "regression": ("HalfSquaredError",),
}


class CompiledTrees:
    """A HistGradientBoosting model's trees, walked level by level with numpy.

    Every node compares one value of an extended row with a threshold and goes left when it is
    at or below it. The extended row holds the features, then the features with NaN as -inf (for
    nodes that send missing values left), then one 0/1 value per categorical node: that node's
    decision, looked up for the row's category in a table made from the node's bitsets.
    """

    def __init__(
        self,
        model: HistGradientBoostingClassifier | HistGradientBoostingRegressor,
        task: Task = "binary",
    ) -> None:
        loss = type(model._loss).__name__
        if loss not in _TREE_LOSSES[task]:
            raise UnsupportedError(f"the gradient-boosted model's {loss} is not a {task} one")
        known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
        self.task, self.loss = task, model._loss
        self.preprocessor = model._preprocessor
        self.n_features = width = int(model.n_features_in_)
        self.k = int(model.n_trees_per_iteration_)
        self.baseline = np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)
        columns, thresholds, firsts, values, roots, depths = [], [], [], [], [], []
        tables: list[np.ndarray] = []
        cat_features: list[int] = []
        offset = 0
        for predictor in (tree for iteration in model._predictors for tree in iteration):
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

    def output(self, x: np.ndarray) -> np.ndarray:
        """The task's output for the rows of `x` (the trees' input, float64), computed from the
        raw scores by the model's own loss, as `predict_proba` or `predict` does."""
        raw = self.raw(x)
        if self.task == "regression":
            values: np.ndarray = self.loss.link.inverse(raw.ravel())
            return values
        proba: np.ndarray = self.loss.predict_proba(raw[:, 0] if self.k == 1 else raw)
        return proba[:, 1] if self.task == "binary" else proba

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The raw scores, (rows, trees per iteration): each class's baseline plus its trees."""
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
        # Trees are iteration by iteration, one per class: class c owns trees c, c + k, ...
        raw = [
            np.cumsum(np.column_stack([np.full(n, base), leaves[:, c :: self.k]]), axis=1)[:, -1]
            for c, base in enumerate(self.baseline)
        ]
        return np.column_stack(raw)


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
    """`x @ coef.T + intercept`, then the sigmoid (binary logistic regression), the softmax
    (multinomial) or nothing (ridge), as scikit-learn does."""

    preprocessor = None

    def __init__(self, model: LogisticRegression | Ridge, task: Task = "binary") -> None:
        classes = len(getattr(model, "classes_", ()))
        regression = isinstance(model, Ridge)
        if (task == "regression") != regression or (task == "binary" and classes != 2):
            kind = "a ridge regression" if regression else f"a logistic regression of {classes}"
            raise UnsupportedError(f"{kind}{'' if regression else ' classes'} is not a {task} one")
        if regression and np.ndim(model.coef_) != 1:
            raise UnsupportedError("the ridge regression predicts several targets")
        self.task = task
        self.coef_t = model.coef_.T
        self.intercept = model.intercept_
        self.n_features = int(np.shape(model.coef_)[-1])
        self.summary = "the linear model in numpy"

    def prepare(self, features: pd.DataFrame) -> np.ndarray:
        """The featurizer's output as the float64 array scikit-learn validates it into."""
        return np.asarray(features, dtype=np.float64)

    def output(self, x: np.ndarray) -> np.ndarray:
        """The task's output for the rows of `x`."""
        decision: np.ndarray = x @ self.coef_t + self.intercept
        if self.task == "regression":
            return decision
        if decision.ndim == 2 and decision.shape[1] > 1:
            result: np.ndarray = softmax(decision, copy=False)
            return result
        positive: np.ndarray = expit(decision.reshape(-1))
        return positive if self.task == "binary" else np.column_stack([1 - positive, positive])


CompiledModel = CompiledTrees | CompiledLinear
_TREES = (HistGradientBoostingClassifier, HistGradientBoostingRegressor)


def compile_model(model: Any, task: Task = "binary") -> CompiledModel:
    """The compiled form of a pipeline's final estimator for `task`, or `UnsupportedError`."""
    if type(model) in _TREES:
        return CompiledTrees(model, task)
    if type(model) in (LogisticRegression, Ridge):
        return CompiledLinear(model, task)
    raise UnsupportedError(f"the final estimator is a {type(model).__name__}")
