"""The plot tables of evaluate: class names in the confusion table, residuals, and header-only
tables for the plots of another task (so every file dvc.yaml declares exists)."""

import numpy as np
import pytest

from tabml.stages import plots


def test_the_confusion_table_names_the_classes_row_by_row() -> None:
    table = plots.confusion_table(np.array([0, 2, 1]), np.array([0, 1, 1]), ["a", "b", "c"])
    assert table.to_dict("list") == {"actual": ["a", "c", "b"], "predicted": ["a", "b", "b"]}


def test_residuals_are_actual_minus_predicted_against_the_prediction() -> None:
    table = plots.residuals_table(np.array([3.0, 1.0]), np.array([2.5, 1.25]))
    assert table.to_dict("list") == {"predicted": [2.5, 1.25], "residual": [0.5, -0.25]}
    actual = plots.predicted_actual_table(np.array([3.0]), np.array([2.5]))
    assert actual.to_dict("list") == {"actual": [3.0], "predicted": [2.5]}


@pytest.mark.parametrize("name", sorted(plots.COLUMNS))
def test_a_plot_of_another_task_is_its_header_only(name: str) -> None:
    table = plots.empty(name)
    assert list(table.columns) == plots.COLUMNS[name] and len(table) == 0
    assert table.to_csv(index=False) == ",".join(plots.COLUMNS[name]) + "\n"
