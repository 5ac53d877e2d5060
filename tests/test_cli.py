"""Bad input through the real CLI: a non-zero exit, one readable sentence, no outputs."""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tabml.cli import app

runner = CliRunner()
Edit = Callable[[Path], None]


def edit_params(change: Callable[[dict], None]) -> Edit:  # type: ignore[type-arg]
    def apply(root: Path) -> None:
        path = root / "params.yaml"
        params = yaml.safe_load(path.read_text())
        change(params)
        path.write_text(yaml.safe_dump(params))

    return apply


def edit_csv(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Edit:
    def apply(root: Path) -> None:
        path = root / "data" / "raw" / "adult.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        change(frame).to_csv(path, index=False)

    return apply


def write(relative: str, text: str) -> Edit:
    def apply(root: Path) -> None:
        (root / relative).write_text(text)

    return apply


def set_cell(column: str, value: str, rows: int = 1) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[: rows - 1, column] = value
        return frame

    return change


BAD_INPUTS: dict[str, tuple[Edit, str]] = {
    "typo in a params key": (
        edit_params(lambda p: p["split"].update(sed=1)),
        "params.yaml: unknown key 'split.sed'",
    ),
    "wrong type in params": (
        edit_params(lambda p: p["train"]["hist_gradient_boosting"].update(max_iter="many")),
        "params.yaml: key 'train.hist_gradient_boosting.max_iter' input should be a valid integer",
    ),
    "out-of-range param": (
        edit_params(lambda p: p["split"].update(test_size=0)),
        "params.yaml: key 'split.test_size' input should be greater than 0",
    ),
    "malformed params.yaml": (
        write("params.yaml", "data:\n  path: [\n"),
        "params.yaml: not valid YAML",
    ),
    "empty params.yaml": (write("params.yaml", ""), "params.yaml: file is empty"),
    "missing data file": (
        edit_params(lambda p: p["data"].update(path="data/raw/nope.csv")),
        "data/raw/nope.csv: file not found",
    ),
    "empty data file": (write("data/raw/adult.csv", ""), "data/raw/adult.csv: file is empty"),
    "header only": (
        edit_csv(lambda f: f.iloc[:0]),
        "data/raw/adult.csv: file has a header but no rows",
    ),
    "missing column": (
        edit_csv(lambda f: f.drop(columns=["age"])),
        "data/raw/adult.csv: column 'age' is missing",
    ),
    "mistyped column": (
        edit_csv(set_cell("age", "forty", rows=2)),
        "data/raw/adult.csv: column 'age' has 2 values that are not integers (e.g. 'forty')",
    ),
    "negative values": (
        edit_csv(set_cell("age", "-1", rows=3)),
        "data/raw/adult.csv: column 'age' has 3 values below 0",
    ),
    "unknown category": (
        edit_csv(set_cell("gender", "Robot")),
        "data/raw/adult.csv: column 'gender' has 1 value outside its allowed categories",
    ),
    "target column not in contract": (
        edit_params(lambda p: p["data"].update(target="salary")),
        "params.yaml: data.target names column 'salary', which the contract does not declare",
    ),
    "positive label absent": (
        edit_params(lambda p: p["data"].update(positive_label="yes")),
        "data/raw/adult.csv: column 'income' never has the positive label 'yes'",
    ),
    "malformed contract": (
        write("data/contract.yaml", "columns:\n  age: {type: int}\n"),
        "data/contract.yaml: key 'columns.age.type'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_clear_sentence(project: Path, case: str) -> None:
    edit, expected = BAD_INPUTS[case]
    edit(project)
    result = runner.invoke(app, ["prepare"])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert not (project / "data" / "prepared").exists()


def test_stages_run_end_to_end_on_the_sample(project: Path) -> None:
    for stage in ("prepare", "featurize", "train", "evaluate"):
        result = runner.invoke(app, [stage])
        assert result.exit_code == 0, result.output
    assert (project / "reports" / "metrics.json").exists()
    assert (project / "models" / "model.skops").exists()


def test_a_stage_without_its_inputs_says_what_to_run(project: Path) -> None:
    result = runner.invoke(app, ["train"])
    assert result.exit_code == 1
    assert "data/features/train.parquet: file not found; run the upstream stage" in result.output
    assert not (project / "models").exists()


def test_contract_infer_prints_a_usable_contract(project: Path) -> None:
    result = runner.invoke(app, ["contract", "infer", "data/raw/adult.csv"])
    assert result.exit_code == 0
    assert yaml.safe_load(result.output)["columns"]["age"]["type"] == "integer"


def test_check_params(project: Path) -> None:
    assert runner.invoke(app, ["check-params"]).exit_code == 0
    assert runner.invoke(app, ["contract", "check"]).exit_code == 0
