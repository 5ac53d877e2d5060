"""What the served model predicts, per `data.task`: its output, its classes and each answer.

The task comes from the served params and the class list from the model file (serving has
nothing else). The model's output per task (the same from the pipeline and the fast path):

- binary: P(positive), 1-D; the answer is `score` and the `label` at `evaluate.threshold`;
- multiclass: the (rows, classes) probabilities; the answer is the most probable class's name
  as `label` and `probabilities` {class: p};
- regression: the predicted values, 1-D; the answer is `prediction`.

An answer is also what the request log records for the record, field for field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tabml.config import DataParams
from tabml.contract import Contract
from tabml.errors import TabmlError
from tabml.metrics import Task

DIGITS = 6  # outputs are rounded like the evaluate stage's


def pipeline_output(estimator: Any, features: Any, task: Task) -> np.ndarray:
    """The task's output of the whole pipeline for a frame of raw columns."""
    if task == "regression":
        return np.asarray(estimator.predict(features), dtype=np.float64)
    proba = np.asarray(estimator.predict_proba(features), dtype=np.float64)
    return proba[:, 1] if task == "binary" else proba


def _classes(estimator: Any) -> list[Any] | None:
    """The classifier's classes, or None for a model without `predict_proba` (a regressor)."""
    if not hasattr(estimator, "predict_proba"):
        return None
    try:
        return list(estimator.classes_)
    except AttributeError:
        return None


def check_task(estimator: Any, task: Task, model: Path) -> None:
    """Refuse, in one sentence, a model that cannot give `task`'s output."""
    classes = _classes(estimator)
    if task == "regression" and classes is not None:
        problem = f"a classifier of {len(classes)} classes"
    elif task != "regression" and classes is None:
        problem = "a regressor" if hasattr(estimator, "predict") else "not a model"
    elif task == "binary" and classes is not None and len(classes) != 2:
        problem = f"a classifier of {len(classes)} classes"
    else:
        return
    raise TabmlError(
        f"{model}: the model is {problem}, which cannot serve data.task '{task}'; "
        "serve it with the params it was trained with"
    )


def class_names(estimator: Any, contract: Contract, data: DataParams) -> list[str]:
    """The class list of a classifier, in the order of its probabilities.

    A model fitted on the class names carries them; one fitted on class codes (indices into the
    sorted class names) is named through the contract's categories of the target when they count
    as many; otherwise (a numeric target) each class is its value as text.
    """
    classes = _classes(estimator) or []
    if all(isinstance(value, str) for value in classes):
        return [str(value) for value in classes]
    spec = contract.columns.get(data.target)
    known = sorted(str(value) for value in spec.categories or []) if spec is not None else []
    codes = list(range(len(known)))
    if known and all(isinstance(c, int | np.integer) for c in classes) and classes == codes:
        return known
    return [str(value.item() if isinstance(value, np.generic) else value) for value in classes]


@dataclass(frozen=True)
class Answers:
    """Turns the model's rounded outputs into one answer per record, for the served task."""

    task: Task
    classes: list[str]  # multiclass: in the order of the probabilities; else empty
    threshold: float = 0.5
    positive: str | int = 1
    negative: str | int = 0

    def answers(self, outputs: Sequence[Any]) -> list[dict[str, Any]]:
        """The response item (and log fields) of each record."""
        if self.task == "regression":
            return [{"prediction": value} for value in outputs]
        if self.task == "multiclass":
            classes = self.classes
            return [
                {
                    "label": classes[max(range(len(row)), key=row.__getitem__)],
                    "probabilities": dict(zip(classes, row, strict=True)),
                }
                for row in outputs
            ]
        positive, negative, threshold = self.positive, self.negative, self.threshold
        return [
            {"score": score, "label": positive if score >= threshold else negative}
            for score in outputs
        ]
