"""The parts of the model card that depend on `data.task`: what is predicted, how, and how to
read the numbers (headline metric, trivial baseline, per-class recall, labels and thresholds).

Binary cards read as they always have; multiclass and regression cards say what the model
outputs instead of a probability of one label.
"""

from __future__ import annotations

from typing import Any

from tabml import metrics as registry
from tabml.config import Params
from tabml.contract import Contract

# The slice table's metrics: binary keeps its five; other tasks show the task's metrics that
# reports/slices.json holds.
BINARY_SLICE_METRICS = ("roc_auc", "accuracy", "precision", "recall", "f1")
MAX_LISTED_CLASSES = 10


def class_list(params: Params, contract: Contract, metrics: dict[str, Any]) -> list[str]:
    """A classifier's class names: binary negative then positive; multiclass from
    metrics.json's per-class recall, else the contract's categories of the target."""
    data = params.data
    spec = contract.columns.get(data.target)
    categories = [str(c) for c in (spec.categories or [])] if spec is not None else []
    if data.task == "binary":
        positive = str(data.positive)
        others = [c for c in categories if c != positive]
        negative = others[0] if len(others) == 1 else f"not {positive}"
        return [negative, positive]
    recall = metrics.get("per_class_recall")
    if isinstance(recall, dict) and recall:
        return [str(name) for name in recall]
    return sorted(categories)


def _listed(classes: list[str]) -> str:
    shown = ", ".join(f"`{name}`" for name in classes[:MAX_LISTED_CLASSES])
    more = len(classes) - MAX_LISTED_CLASSES
    return shown + (f", ... ({len(classes)} in all)" if more > 0 else "")


def predicts(params: Params, classes: list[str]) -> str:
    """The summary's "predicts" cell."""
    data = params.data
    if data.task == "binary":
        return f"P(`{data.target}` = `{data.positive_label}`)"
    if data.task == "multiclass":
        return f"the class of `{data.target}`, one of {len(classes)}: {_listed(classes)}"
    return f"the value of `{data.target}` (a number)"


def output_sentence(params: Params, classes: list[str]) -> str:
    """What `/predict` returns per record, for the intended-use section."""
    data = params.data
    if data.task == "binary":
        return (
            f"Output: a score in [0, 1] per record, the estimated probability that "
            f"`{data.target}` is `{data.positive_label}`, and the label at the threshold "
            f"{params.evaluate.threshold}."
        )
    if data.task == "multiclass":
        return (
            f"Output: per record, the most probable class of `{data.target}` as `label` and "
            f"the estimated probability of each of the {len(classes)} classes."
        )
    return f"Output: per record, the predicted value of `{data.target}` as `prediction`."


def split_kind(params: Params) -> str:
    """Classification splits keep each class's share on both sides; regression cannot."""
    return "random (seeded)" if params.data.task == "regression" else "stratified"


def summary_rows(params: Params) -> list[list[str]]:
    """The task, its headline metric and (binary) the threshold, for the summary table."""
    headline = params.report.headline
    direction = registry.get(headline).direction
    rows = [
        ["task", f"{params.data.task} (`data.task`)"],
        ["headline metric", f"`{headline}` ({direction} is better, `report.headline`)"],
    ]
    if params.data.task == "binary":
        rows.append(["threshold", f"{params.evaluate.threshold} (`evaluate.threshold`)"])
    return rows


def metrics_note(params: Params, baseline: dict[str, Any] | None) -> list[str]:
    """How to read the metrics table: the headline and what the trivial baseline is."""
    headline = params.report.headline
    trivial = (
        "predicts the training mean for every row"
        if params.data.task == "regression"
        else "predicts the most frequent training class, with the training class shares as "
        "probabilities"
    )
    if baseline is None:
        return [f"The headline metric is `{headline}`; reports/baseline.json was not found."]
    return [
        f"The headline metric is `{headline}`. The baseline column is the trivial model on the "
        f"same rows (reports/baseline.json): it {trivial}; the model should beat it clearly."
    ]


def slice_metrics(params: Params, slices: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """The metrics the slice tables show."""
    if params.data.task == "binary":
        return list(BINARY_SLICE_METRICS)
    present = {key for values in slices.values() for stats in values.values() for key in stats}
    return [name for name in registry.names(params.data.task) if name in present]


def per_class_recall(metrics: dict[str, Any]) -> list[list[str]]:
    """Rows (class, recall) from metrics.json's `per_class_recall` (multiclass only)."""
    recall = metrics.get("per_class_recall")
    if not isinstance(recall, dict):
        return []
    return [
        [f"`{name}`", f"{float(value):.4f}" if isinstance(value, int | float) else "n/a"]
        for name, value in recall.items()
    ]


def label_limitation(params: Params) -> str:
    """What the labels or predictions depend on, for the limitations section."""
    task = params.data.task
    if task == "binary":
        return (
            f"Labels use one fixed threshold ({params.evaluate.threshold}); accuracy, precision, "
            "recall and f1 change with it, roc_auc, log_loss and brier do not."
        )
    if task == "multiclass":
        return (
            "The label is the most probable class; a class rare in training is predicted "
            "rarely, so read each class's recall, not accuracy alone."
        )
    return (
        "A prediction is a single value with no interval; abs_error_p50 and abs_error_p90 say "
        "how far off half and nine in ten predictions were on the test rows."
    )


def load_line(params: Params) -> str:
    """The line of the loading snippet that calls the model."""
    if params.data.task == "regression":
        return "values = model.predict(frame)  # frame: a pandas DataFrame of feature columns"
    if params.data.task == "multiclass":
        return "probabilities = model.predict_proba(frame)  # one column per model.classes_"
    return (
        "scores = model.predict_proba(frame)[:, 1]  # frame: a pandas DataFrame of feature columns"
    )
