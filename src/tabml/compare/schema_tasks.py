"""The report data's task-specific charts: what a multiclass or regression report may show.

Binary reports keep their curves and 2 x 2 confusion matrices in schema.py. Like the rest of the
report data these come from PR code, so they hold bounded text, counts and finite numbers, and
their shapes are checked (one recall and one matrix row per class, increasing bin edges).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from tabml.compare.schema_types import MAX_CLASSES, Count, Model, Num, Series, Text, Unit

MAX_BINS = 20
Matrix = Annotated[
    tuple[Annotated[tuple[Count, ...], Field(max_length=MAX_CLASSES)], ...],
    Field(max_length=MAX_CLASSES),
]


class ClassRecall(Model):
    """One class: its test rows (PR) and the share of them each side predicted right."""

    name: Text
    rows: Count
    base: Unit | None  # None: no row of this class on that side
    pr: Unit | None


class Multiclass(Model):
    """Per-class recall and the confusion matrices ([actual][predicted]) in class-list order."""

    classes: Annotated[tuple[Text, ...], Field(min_length=2, max_length=MAX_CLASSES)]
    recall: Annotated[tuple[ClassRecall, ...], Field(max_length=MAX_CLASSES)]
    confusion_base: Matrix
    confusion_pr: Matrix

    @model_validator(mode="after")
    def _one_entry_per_class(self) -> Multiclass:
        size = len(self.classes)
        if len(set(self.classes)) != size:
            raise ValueError("a class appears twice in classes")
        if tuple(r.name for r in self.recall) != self.classes:
            raise ValueError("recall must list the classes in order")
        for matrix in (self.confusion_base, self.confusion_pr):
            if len(matrix) != size or any(len(row) != size for row in matrix):
                raise ValueError(f"a confusion matrix must be {size} x {size}")
        return self


class ActualBin(Model):
    """Rows whose actual value lies in [low, high]: mean actual and mean prediction per side."""

    low: Num
    high: Num
    rows: Count
    actual: Num
    base: Num | None  # None: no base row in this range
    pr: Num | None


class Regression(Model):
    """Share of rows per absolute-error bin (the last bin is open), and predicted vs actual."""

    edges: Annotated[tuple[Num, ...], Field(min_length=2, max_length=MAX_BINS + 1)]
    base: Series
    pr: Series
    bins: Annotated[tuple[ActualBin, ...], Field(max_length=MAX_BINS)]
    mean_error_base: Num  # mean of predicted - actual: the bias
    mean_error_pr: Num

    @model_validator(mode="after")
    def _bins_fit_the_edges(self) -> Regression:
        if self.edges[0] < 0 or any(
            b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)
        ):
            raise ValueError("edges must start at 0 or above and increase")
        if not len(self.base) == len(self.pr) == len(self.edges) - 1:
            raise ValueError("one share per bin on each side")
        return self
