"""Bad input through the real CLI: a non-zero exit, one readable sentence, no outputs."""

import errno
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from tabml import io
from tabml.cli import app
from tests.support import tool_env

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
    "out-of-range param of a later stage": (
        edit_params(lambda p: p["evaluate"].update(threshold=2)),
        "params.yaml: key 'evaluate.threshold' input should be less than 1 (got 2)",
    ),
    "one fractional value in an integer column": (
        edit_csv(set_cell("age", "37.5")),
        "column 'age' has 1 value that is not an integer (e.g. 37.5)",
    ),
    "a 10 MB cell": (
        edit_csv(set_cell("gender", "x" * 10_000_000)),
        "column 'gender' has 1 value outside its allowed categories (e.g. '" + "x" * 77 + "…')",
    ),
    "a cell that looks like console markup": (
        edit_csv(set_cell("gender", "[bold]Robot")),
        "column 'gender' has 1 value outside its allowed categories (e.g. '[bold]Robot')",
    ),
    "a split too small for a test side": (
        edit_params(lambda p: p["split"].update(test_size=0.001)),
        "params.yaml: split.test_size 0.001 leaves 1 test and 599 train rows of 600",
    ),
}
# The outputs of each command: none may exist after a refused input.
OUTPUTS = {"validate": "data/validated.json", "prepare": "data/prepared"}


@pytest.mark.parametrize("command", list(OUTPUTS))
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_clear_sentence(project: Path, case: str, command: str) -> None:
    """`validate` (the first DVC stage) refuses everything that `prepare` would refuse."""
    edit, expected = BAD_INPUTS[case]
    edit(project)
    result = runner.invoke(app, [command])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert len(result.output) < 300, result.output[:300]
    assert not (project / OUTPUTS[command]).exists()


def test_validate_stamp_does_not_depend_on_params_outside_data(project: Path) -> None:
    """A valid change such as evaluate.threshold rewrites the stamp byte for byte, so DVC
    skips every stage that the change does not concern."""
    assert runner.invoke(app, ["validate"]).exit_code == 0
    stamp = (project / "data" / "validated.json").read_bytes()
    assert json.loads(stamp)["rows"] == 600
    edit_params(lambda p: p["evaluate"].update(threshold=0.3))(project)
    edit_params(lambda p: p["train"].update(seed=7))(project)
    assert runner.invoke(app, ["validate"]).exit_code == 0
    assert (project / "data" / "validated.json").read_bytes() == stamp


def test_an_entirely_missing_column_is_a_warning(project: Path) -> None:
    edit_csv(set_cell("occupation", "?", rows=600))(project)
    expected = "column 'occupation' is entirely missing; the model learns nothing from it"
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    stamp = json.loads((project / "data" / "validated.json").read_text())
    assert stamp["empty_columns"] == ["occupation"]
    assert stamp["warnings"] == [f"data/raw/adult.csv: {expected}"]
    result = runner.invoke(app, ["prepare"])
    assert result.exit_code == 0, result.output
    assert f"warning: data/raw/adult.csv: {expected}" in result.stderr


def test_a_dropped_empty_column_is_no_warning(project: Path) -> None:
    edit_csv(set_cell("fnlwgt", "?", rows=600))(project)  # fnlwgt is in data.drop
    contract = yaml.safe_load((project / "data/contract.yaml").read_text())
    contract["columns"]["fnlwgt"]["nullable"] = True
    (project / "data/contract.yaml").write_text(yaml.safe_dump(contract))
    result = runner.invoke(app, ["prepare"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output


def one_error_line(result: Result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_output_path_under_a_file_is_one_sentence(project: Path) -> None:
    (project / "data" / "prepared").write_text("a file where a folder should be")
    result = runner.invoke(app, ["prepare"])
    assert result.exit_code == 1
    assert one_error_line(result) == "error: data/prepared: File exists"


@pytest.mark.parametrize(
    "code", [errno.ENOSPC, errno.EACCES, errno.EFBIG], ids=["disk full", "denied", "too large"]
)
def test_an_os_error_is_one_sentence_with_path_and_reason(
    project: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    def fail(path: Path, frame: pd.DataFrame) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(io, "write_parquet", fail)
    result = runner.invoke(app, ["prepare"])
    assert result.exit_code == 1
    expected = f"error: data/prepared/train.parquet: {os.strerror(code)}"
    assert one_error_line(result) == expected


@pytest.mark.slow  # a real RLIMIT_FSIZE child process; the faked EFBIG case above stays fast
def test_a_real_file_size_limit_is_one_sentence(project: Path) -> None:
    """RLIMIT_FSIZE holds for root too: the write fails with EFBIG (Python ignores SIGXFSZ)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    result = subprocess.run(
        [sys.executable, "-m", "tabml", "prepare"],
        cwd=project,
        env=tool_env(),
        capture_output=True,
        text=True,
        preexec_fn=limit,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines == ["error: data/prepared/train.parquet: File too large"]


def test_ctrl_c_exits_130_quietly(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(io, "read_csv", interrupt)
    result = runner.invoke(app, ["prepare"])
    assert result.exit_code == 130
    assert result.output == ""


def test_a_bug_keeps_its_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(*_: object, **__: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(io, "read_csv", bug)
    result = runner.invoke(app, ["prepare"])
    assert result.exit_code == 1
    assert isinstance(result.exception, ZeroDivisionError)  # not swallowed into a sentence


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
