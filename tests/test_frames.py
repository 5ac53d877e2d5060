"""Text columns as categoricals with Python-string categories (tabml.frames)."""

import numpy as np
import pandas as pd

from tabml.frames import as_category, python_categories, text_as_categories


def test_as_category_keeps_values_and_missing_with_object_categories() -> None:
    column = pd.Series(["b", "a", None, "b"], dtype="str", index=[10, 11, 12, 13], name="c")
    categorical = as_category(column)
    assert isinstance(categorical.dtype, pd.CategoricalDtype)
    assert categorical.cat.categories.dtype == object
    assert list(categorical.cat.categories) == ["a", "b"]
    assert categorical.isna().tolist() == [False, False, True, False]
    assert categorical.astype(object).where(categorical.notna(), None).tolist() == [
        "b",
        "a",
        None,
        "b",
    ]
    assert categorical.index.tolist() == [10, 11, 12, 13] and categorical.name == "c"


def test_rows_of_a_categorical_share_its_category_objects() -> None:
    """What scikit-learn's encoders see: an object array whose rows refer to the categories,
    not one new string per row (the memory the module exists to save)."""
    column = as_category(pd.Series(["x", "y"] * 1000, dtype="str"))
    rows = np.asarray(column)
    assert rows.dtype == object
    assert len({id(value) for value in rows}) == 2


def test_python_categories_converts_arrow_categories_in_place_and_keeps_unused_ones() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Categorical(["u", "v"], categories=pd.Index(["u", "v", "w"], dtype="str")),
            "number": [1, 2],
        }
    )
    assert frame["text"].cat.categories.dtype != object
    assert python_categories(frame) is frame
    assert frame["text"].cat.categories.dtype == object
    assert list(frame["text"].cat.categories) == ["u", "v", "w"]
    assert frame["text"].tolist() == ["u", "v"] and frame["number"].tolist() == [1, 2]


def test_text_as_categories_leaves_numbers_and_skipped_columns() -> None:
    frame = pd.DataFrame({"a": ["p", "q"], "n": [1.5, 2.5], "t": ["y", "n"]})
    text_as_categories(frame, skip={"t"})
    assert isinstance(frame["a"].dtype, pd.CategoricalDtype)
    assert frame["n"].dtype == np.float64
    assert not isinstance(frame["t"].dtype, pd.CategoricalDtype)
