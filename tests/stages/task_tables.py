"""Small projects of each task, built in a test's folder from scikit-learn's bundled tables.

binary and multiclass: the wine table (178 rows, 3 cultivars; binary asks "barolo or not");
regression: the diabetes table (442 rows, disease progression). Each gets a category feature
and a group column, so slices and native categories are exercised too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.datasets import load_diabetes, load_wine

from tabml.contract import dump_contract, infer_contract

CULTIVARS = ["barolo", "grignolino", "barbera"]  # not in sorted order: codes follow the names


def task_table(task: str) -> pd.DataFrame:
    """The raw table of `task`: numbers, a category, a group and the target."""
    rng = np.random.default_rng(0)
    if task == "regression":
        frame: pd.DataFrame = load_diabetes(as_frame=True).frame
        frame = frame.rename(columns={"target": "progression"})
    else:
        frame = load_wine(as_frame=True).frame
        names = np.asarray(CULTIVARS)[frame.pop("target").to_numpy()]
        frame["cultivar"] = (
            names if task == "multiclass" else np.where(names == "barolo", "barolo", "other")
        )
    frame.insert(1, "cellar", rng.choice(["cave", "barn", "shed"], len(frame)))
    frame.insert(2, "region", rng.choice(["north", "south"], len(frame)))
    return frame


TARGET = {"binary": "cultivar", "multiclass": "cultivar", "regression": "progression"}


def task_params(task: str, **data: Any) -> dict[str, Any]:
    """params.yaml of a fast project of `task` (defaults for everything else)."""
    section: dict[str, Any] = {
        "path": "data/raw/table.csv",
        "contract": "data/contract.yaml",
        "target": TARGET[task],
        "task": task,
        "groups": ["region"],
        **data,
    }
    if task == "binary":
        section.setdefault("positive_label", "barolo")
    return {
        "data": section,
        "split": {"test_size": 0.2, "seed": 42},  # DVC tracks these sections: they must be here
        "featurize": {"categorical": "native"},
        "train": {"seed": 42, "hist_gradient_boosting": {"max_iter": 15}},
        "evaluate": {"importance_repeats": 2},
    }


def write_task_project(root: Path, task: str, **data: Any) -> Path:
    """The raw table, its contract and params.yaml of `task` under `root`; returns params.yaml."""
    frame = task_table(task)
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    frame.to_csv(root / "data" / "raw" / "table.csv", index=False)
    (root / "data" / "contract.yaml").write_text(dump_contract(infer_contract(frame)))
    path = root / "params.yaml"
    path.write_text(yaml.safe_dump(task_params(task, **data), sort_keys=False))
    return path
