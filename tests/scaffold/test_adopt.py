"""`tabml adopt`: tiny tables of each task built in tmp_path are adopted into a small project of
their own (guess, contract with bounds and margin, params written with comments kept and
loadable), and bad input changes nothing. Three public tables adopted end to end through the
Makefile: test_adopt_public_tables.py (slow)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabml.config import load_params
from tabml.contract import load_contract, validate
from tabml.errors import TabmlError
from tabml.scaffold.adopt import adopt_table, checklist

# A params.yaml of the template's shape for a binary table that is not the one adopted: comments,
# an absolute floor, metric blocks of the binary task and a retrain section.
PARAMS = """\
# Parameters of the pipeline.

data:
  path: data/raw/old.csv          # the raw table (CSV); the pipeline never writes here
  contract: data/contract.yaml    # column names, types, ranges, categories, nullability
  target: outcome                 # the column to predict
  task: binary                    # binary | multiclass | regression
  positive_label: "good"          # the value of `target` that counts as the positive class
  na_values: ["?"]                # markers read as missing values
  id_column: null                 # a unique row id column; null = row number in the raw file
  drop: [weight]                  # columns never used (weight is a sampling weight)
  groups: [region]                # governance slices: reported per group, never used as features

train:
  model: logistic_regression      # hist_gradient_boosting | logistic_regression

featurize:
  categorical: onehot

report:
  headline: roc_auc               # the metric in the verdict line
  metrics: [roc_auc, accuracy, f1, log_loss]
  gate:
    beat_baseline: [roc_auc]      # beat the trivial baseline, significantly
    floors:                       # opt-in absolute minimum per metric. 0.80 is a
      roc_auc: 0.80               # fact about the old table
    max_regression:               # largest allowed drop vs the base, when significant
      roc_auc: 0.005
      f1: 0.01

monitor:
  min_rows: 500                   # fewer current rows is an error, not a verdict
  performance_drop:               # largest allowed drop vs reports/metrics.json
    roc_auc: 0.05

retrain:
  base: data/raw/old.csv          # the table each retrain starts from (read only)
  table: data/train/old.csv       # the training table written on the branch only
"""


def make_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "params.yaml").write_text(PARAMS)
    return root


def table(task: str, rows: int = 60, seed: int = 0) -> pd.DataFrame:
    """A small table for `task` with an id column, a category, an integer and a number."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + rows),
            "plan": rng.choice(["basic", "plus", "pro"], rows),
            "age": rng.integers(20, 61, rows),
            "spend": rng.uniform(-5.0, 95.0, rows).round(2),
        }
    )
    frame.loc[0, "age"], frame.loc[1, "age"] = 20, 60  # the observed range is exactly [20, 60]
    if task == "binary":
        frame["churned"] = np.where(np.arange(rows) % 4 == 0, "yes", "no")
    elif task == "multiclass":
        frame["churned"] = np.array(["stay", "leave", "downgrade"])[np.arange(rows) % 3]
    else:
        frame["churned"] = rng.uniform(10.0, 500.0, rows).round(3)
    return frame


def write_table(path: Path, task: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table(task).to_csv(path, index=False)
    return path


def snapshot(root: Path) -> dict[str, str]:
    """Every file under `root` with a hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("task", "headline", "positive"),
    [("binary", "roc_auc", "yes"), ("multiclass", "f1_macro", None), ("regression", "rmse", None)],
)
def test_each_task_is_guessed_and_its_params_load(
    tmp_path: Path, task: str, headline: str, positive: str | None
) -> None:
    root = make_project(tmp_path / "project")
    source = write_table(tmp_path / "incoming" / "customers.csv", task)
    adopted = adopt_table(root, source, "churned", repro=False)

    assert adopted.guess.task == task
    assert adopted.guess.positive_label == positive  # binary: the minority class, 25% "yes"
    params = load_params(root / "params.yaml")
    assert params.data.task == task
    assert params.data.positive_label == positive
    assert params.data.path == Path("data/raw/customers.csv")
    assert params.data.contract == Path("data/customers.contract.yaml")
    assert params.data.target == "churned"
    assert params.data.id_column == "customer_id"
    assert (params.data.drop, params.data.groups) == ([], [])
    assert params.report.headline == headline
    assert params.report.gate.floors == {}
    assert params.retrain.base == Path("data/raw/customers.csv")
    assert params.retrain.table == Path("data/train/customers.csv")
    assert params.train.hist_gradient_boosting.max_iter == 100  # not the bundled 200
    assert (root / "data/raw/customers.csv").read_bytes() == source.read_bytes()
    if task == "regression":  # a classifier's linear model cannot fit a regression
        assert params.train.model == "hist_gradient_boosting"
        assert set(params.monitor.performance_drop) <= {"r2", "rmse", "mae"}


def test_the_file_keeps_its_comments_and_untouched_keys(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    source = write_table(tmp_path / "customers.csv", "multiclass")
    adopt_table(root, source, "churned", repro=False)
    text = (root / "params.yaml").read_text()

    for comment in (
        "# the column to predict",
        "# markers read as missing values",
        "# Parameters of the pipeline.",
        "# the metric in the verdict line",
        "# fewer current rows is an error, not a verdict",
    ):
        assert comment in text
    assert "  min_rows: 500 " in text and "categorical: onehot" in text
    line = next(x for x in text.splitlines() if x.startswith("  target:"))
    assert line == "  target: churned".ljust(34) + "# the column to predict"  # at its column
    assert "weight is a sampling weight" not in text  # explained a value that is gone
    assert "fact about the old table" not in text and "0.80" not in text
    assert "floors: {}" in text


def test_binary_to_binary_keeps_the_metrics_and_resets_only_the_floors(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    adopted = adopt_table(root, write_table(tmp_path / "c.csv", "binary"), "churned", repro=False)
    assert adopted.resets == {"report.gate.floors": {}}
    params = load_params(root / "params.yaml")
    assert params.report.gate.max_regression == {"roc_auc": 0.005, "f1": 0.01}
    assert params.train.model == "logistic_regression"


def test_the_contract_has_bounds_with_a_margin(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    source = write_table(tmp_path / "customers.csv", "regression")
    adopt_table(root, source, "churned", repro=False)
    contract = load_contract(root / "data/customers.contract.yaml")

    age = contract.columns["age"]  # observed 20..60: widened by 10% of 40 on each side
    assert (age.type, age.min, age.max) == ("integer", 16, 64)
    spend = contract.columns["spend"]
    assert spend.type == "number" and spend.min is not None and spend.max is not None
    assert spend.min < table("regression")["spend"].min() < 0  # negative values: no floor at 0
    assert contract.columns["plan"].categories == ["basic", "plus", "pro"]
    assert contract.columns["churned"].type == "number"
    assert contract.columns["churned"].min == 0  # prices were all positive: never below 0
    frame = pd.read_csv(root / "data/raw/customers.csv")
    validate(frame.copy(), contract, "table")  # the table meets its own contract
    frame.loc[0, "age"] = 200
    with pytest.raises(TabmlError, match="column 'age' has 1 value above 64"):
        validate(frame, contract, "row")


def test_a_classification_target_is_declared_with_every_class(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    adopt_table(root, write_table(tmp_path / "c.csv", "multiclass"), "churned", repro=False)
    target = load_contract(root / "data/c.contract.yaml").columns["churned"]
    assert (target.type, target.categories) == ("category", ["downgrade", "leave", "stay"])


def test_a_table_already_under_data_raw_stays_where_it_is(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    source = write_table(root / "data" / "raw" / "mine" / "t.csv", "binary")
    adopted = adopt_table(root, source, "churned", repro=False)
    assert not adopted.copied and adopted.table == Path("data/raw/mine/t.csv")
    assert sorted(p.name for p in (root / "data" / "raw").rglob("*.csv")) == ["t.csv"]
    assert load_params(root / "params.yaml").data.path == Path("data/raw/mine/t.csv")


def test_a_reviewed_contract_is_kept(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "data").mkdir()
    reviewed = "columns:\n  age: {type: integer, min: 18, max: 99}\n"
    (root / "data" / "c.contract.yaml").write_text(reviewed)
    adopted = adopt_table(root, write_table(tmp_path / "c.csv", "binary"), "churned", repro=False)
    assert adopted.contract_kept
    assert (root / "data" / "c.contract.yaml").read_text() == reviewed
    assert any("c.contract.yaml" in item for item in checklist(adopted))


def test_the_checklist_names_the_guesses(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    adopted = adopt_table(root, write_table(tmp_path / "c.csv", "binary"), "churned", repro=False)
    text = "\n".join(checklist(adopted))
    assert "positive label 'yes'" in text
    assert "data.id_column customer_id" in text
    assert "10%" in text and "data.groups" in text and "floors" in text
    assert "git add data/raw/c.csv data/c.contract.yaml params.yaml dvc.lock" in text


def _refusals(tmp_path: Path) -> dict[str, tuple[Path, str, str | None, str]]:
    """Name: (table, target, task, the sentence's telling part)."""
    good = write_table(tmp_path / "good.csv", "binary")
    one = table("binary").assign(churned="no")
    one.to_csv(tmp_path / "one.csv", index=False)
    gaps = table("binary").astype({"churned": object})
    gaps.loc[3, "churned"] = None
    gaps.to_csv(tmp_path / "gaps.csv", index=False)
    three = write_table(tmp_path / "three.csv", "multiclass")
    return {
        "missing file": (tmp_path / "absent.csv", "churned", None, "absent.csv: file not found"),
        "unknown target": (good, "nope", None, "good.csv: has no column 'nope' to predict"),
        "one value": (tmp_path / "one.csv", "churned", None, "has only one value, 'no'"),
        "missing target": (tmp_path / "gaps.csv", "churned", None, "has 1 missing value"),
        "binary of three": (three, "churned", "binary", "has 3 values; binary needs exactly 2"),
        "text regression": (good, "churned", "regression", "is not numeric"),
        "unknown task": (good, "churned", "ranking", "TASK 'ranking' is not one of"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing file",
        "unknown target",
        "one value",
        "missing target",
        "binary of three",
        "text regression",
        "unknown task",
    ],
)
def test_bad_input_is_one_sentence_and_changes_nothing(tmp_path: Path, case: str) -> None:
    root = make_project(tmp_path / "project")
    source, target, task, message = _refusals(tmp_path)[case]
    before = snapshot(root)
    with pytest.raises(TabmlError, match="^[^\n]+$") as raised:
        adopt_table(root, source, target, task, repro=False)
    assert message in str(raised.value)
    assert snapshot(root) == before


def test_a_different_table_of_the_same_name_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "c.csv").write_text("a,b\n1,2\n")
    before = snapshot(root)
    with pytest.raises(TabmlError, match="data/raw/c.csv already exists and differs"):
        adopt_table(root, write_table(tmp_path / "c.csv", "binary"), "churned", repro=False)
    assert snapshot(root) == before
