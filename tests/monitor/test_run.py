"""`tabml batches` and `tabml monitor` end to end on the small project, through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tabml.cli import app
from tabml.monitor import DRIFT_EXIT_CODE
from tests.support import ROOT

runner = CliRunner()
SCHEMA = json.loads((ROOT / "docs" / "drift.schema.json").read_text())
JSON_OUT, MARKDOWN_OUT = Path("reports/drift/drift.json"), Path("reports/drift/drift.md")


def read_report() -> dict:  # type: ignore[type-arg]
    """The JSON report, checked against docs/drift.schema.json; NaN or Infinity fail."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{JSON_OUT} holds {constant}")

    report = json.loads(JSON_OUT.read_text(), parse_constant=refuse)
    jsonschema.validate(report, SCHEMA)
    return report  # type: ignore[no-any-return]


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def reproduced(trained_small: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained small project with monitoring thresholds for its size (stage
    outputs do not depend on the monitor section)."""
    root = tmp_path_factory.mktemp("small") / "project"
    shutil.copytree(trained_small, root)
    params_file = root / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    # The sample's test split has 120 rows; its 480-row reference has never seen several rare
    # countries, which a batch of 120 rows shows at 1% each.
    params["monitor"].update(min_rows=100, new_category_rate=0.05)
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    return root


@pytest.fixture
def monitored(reproduced: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the reproduced small project, as the working directory."""
    root = tmp_path / "project"
    shutil.copytree(reproduced, root)
    monkeypatch.chdir(root)
    return root


def test_held_out_batch_passes_and_a_shifted_one_is_drift(monitored: Path) -> None:
    assert invoke("batches", "--batches", "1")[0] == 0
    assert invoke("batches", "-n", "1", "--shift", "age=+20", "--out", "data/shifted")[0] == 0
    held_out = pd.read_csv("data/incoming/2024-01-01.csv")
    assert len(held_out) == len(pd.read_parquet("data/prepared/test.parquet"))

    code, output = invoke("monitor")  # the newest batch in data/incoming/
    assert code == 0, output
    assert "monitor: No drift" in output and "warning" not in output
    report = read_report()
    assert report["drift"] is False
    assert report["warnings"] == [] and report["overlap"]["identical_rows"] == 0  # held-out rows
    assert report["current"]["source"] == "data/incoming/2024-01-01.csv"
    assert report["prediction"]["psi"] == pytest.approx(0.0, abs=1e-6)  # the same rows
    assert report["performance"]["computed"] is True
    assert MARKDOWN_OUT.read_text().startswith("**No drift**")

    code, output = invoke("monitor", "--current", "data/shifted/2024-01-01.csv")
    assert code == DRIFT_EXIT_CODE, output
    assert "monitor: Drift detected" in output
    report = read_report()
    assert report["drift"] is True
    assert report["features"]["age"]["drift"] is True
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**report, "drift": "yes"}, SCHEMA)
    markdown = MARKDOWN_OUT.read_text()
    assert markdown.splitlines()[0].startswith("**Drift detected**")
    assert markdown.index("### Features") < markdown.index("### New categories")
    assert markdown.index("### Data quality") < markdown.index("### Prediction drift")
    assert markdown.index("### Prediction drift") < markdown.index("### Performance")


def test_outputs_go_where_the_options_say(monitored: Path) -> None:
    invoke("batches", "-n", "1")
    code, output = invoke(
        "monitor", "--current", "data/incoming/2024-01-01.csv", "--json", "out/d.json",
        "--markdown", "out/d.md",
    )  # fmt: skip
    assert code == 0, output
    assert json.loads(Path("out/d.json").read_text())["drift"] is False
    assert Path("out/d.md").exists()
    assert not JSON_OUT.exists()


def test_request_log_is_current_data(monitored: Path) -> None:
    invoke("batches", "-n", "1")
    batch = pd.read_csv("data/incoming/2024-01-01.csv", na_values=["?"])
    predictions = pd.read_csv("reports/predictions.csv")  # the test-set scores, as served
    inputs = batch.drop(columns=["income", "fnlwgt"])
    lines = []  # in the format of tabml.serve.logs (row order does not matter to drift)
    for index, (record, score) in enumerate(
        zip(inputs.to_dict(orient="records"), predictions["score"], strict=True)
    ):
        entry = {
            "timestamp": "2026-01-02T03:04:05.000Z",
            "request_id": "r1",
            "index": index,
            "model_version": "0.1.0",
            "inputs": {k: (None if pd.isna(v) else v) for k, v in record.items()},
            "score": score,
            "label": ">50K" if score >= 0.5 else "<=50K",
        }
        lines.append(json.dumps(entry))
    Path("logs").mkdir()
    Path("logs/requests.jsonl").write_text("\n".join(lines) + "\n")

    code, output = invoke("monitor", "--current-log", "logs/requests.jsonl")
    assert code == 0, output
    report = read_report()
    assert report["current"]["kind"] == "log"
    assert report["prediction"]["source"] == "request log"
    assert report["prediction"]["psi"] == pytest.approx(0.0, abs=1e-6)
    assert report["data_quality"]["contract_violation"] == ""
    assert report["performance"]["computed"] is False

    shifted = [json.loads(line) for line in lines]
    for entry in shifted:
        entry["score"] = min(1.0, entry["score"] + 0.4)
    Path("logs/requests.jsonl").write_text("\n".join(map(json.dumps, shifted)) + "\n")
    code, output = invoke("monitor", "--current-log", "logs/requests.jsonl")
    assert code == DRIFT_EXIT_CODE, output
    assert read_report()["prediction"]["drift"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--current", "data/incoming/nope.csv"], "data/incoming/nope.csv: file not found"),
        ([], "data/incoming: no batch CSV files; pass --current or run `tabml batches` first"),
        (
            ["--current", "a.csv", "--current-log", "b.jsonl"],
            "pass --current or --current-log, not both",
        ),
        (["--current-log", "logs/none.jsonl"], "logs/none.jsonl: request log not found"),
    ],
)
def test_bad_input_exits_1_with_one_sentence_and_no_outputs(
    monitored: Path, args: list[str], message: str
) -> None:
    code, output = invoke("monitor", *args)
    assert code == 1
    assert message in output
    assert len(output.strip().splitlines()) == 1, output
    assert not JSON_OUT.exists() and not MARKDOWN_OUT.exists()


def test_a_tiny_batch_exits_1_and_batches_never_write_one(monitored: Path) -> None:
    code, output = invoke("batches", "-n", "2")  # 60-row batches: monitor would refuse them
    assert code == 1 and "--batches 2: batches of 60 rows are fewer than monitor.min_rows" in output
    assert not Path("data/incoming").exists()
    assert invoke("batches")[0] == 0  # as many as fit: one batch of the 120 held-out rows
    assert [p.name for p in Path("data/incoming").iterdir()] == ["2024-01-01.csv"]
    pd.read_csv("data/incoming/2024-01-01.csv").head(60).to_csv("tiny.csv", index=False)
    code, output = invoke("monitor", "--current", "tiny.csv")
    assert code == 1
    assert "has 60 rows, fewer than monitor.min_rows (100)" in output
    assert not JSON_OUT.exists()


def test_a_failed_run_removes_the_previous_report(monitored: Path) -> None:
    JSON_OUT.parent.mkdir(parents=True)
    JSON_OUT.write_text('{"drift": false}')  # an earlier run's verdict
    MARKDOWN_OUT.write_text("**No drift**: 13 columns.")
    code, output = invoke("monitor", "--current", "data/incoming/nope.csv")
    assert code == 1 and "nope.csv: file not found" in output
    assert not JSON_OUT.exists() and not MARKDOWN_OUT.exists()  # no old verdict left behind


def test_rows_the_model_trained_on_are_warned_about(monitored: Path) -> None:
    invoke("batches", "-n", "1", "--all-rows")  # every raw row: the training split's too
    code, output = invoke("monitor")
    assert code == 0, output  # the whole table against 80% of it: no drift, only the warning
    assert "monitor: warning: current rows overlap the training data" in output
    report = read_report()
    training = len(pd.read_parquet("data/prepared/train.parquet"))
    assert report["overlap"]["identical_rows"] >= training and report["overlap"]["warning"]
    assert "> **Warning**: current rows overlap the training data" in MARKDOWN_OUT.read_text()


def test_reserved_batches_leave_the_base_table_and_params_point_at_it(monitored: Path) -> None:
    raw = pd.read_csv("data/raw/adult.csv")
    before = Path("params.yaml").read_text()
    code, output = invoke("batches", "--reserve", "data/demo/base.csv")
    assert code == 0, output
    base = pd.read_csv("data/demo/base.csv")
    batch = pd.read_csv("data/incoming/2024-01-01.csv")
    assert len(base) + len(batch) == len(raw) and len(batch) == 120  # split.test_size 0.2
    keys = {tuple(row) for row in base.astype(str).itertuples(index=False)}
    assert not any(tuple(row) in keys for row in batch.astype(str).itertuples(index=False))
    params = yaml.safe_load(Path("params.yaml").read_text())
    assert params["data"]["path"] == params["retrain"]["base"] == "data/demo/base.csv"
    changed = [
        a
        for a, b in zip(
            before.splitlines(), Path("params.yaml").read_text().splitlines(), strict=True
        )
        if a != b
    ]
    assert len(changed) == 2  # data.path and retrain.base, comments kept
    code, output = invoke("batches", "--reserve", "data/demo/base.csv")
    assert code == 1 and "data.path already points at it" in output


@pytest.mark.parametrize(
    ("monitor", "message"),
    [
        ({"psi_threshold": -1}, "key 'monitor.psi_threshold' input should be greater than 0"),
        ({"ks_pvalue": 1.5}, "key 'monitor.ks_pvalue' input should be less than 1"),
        ({"psi_treshold": 0.1}, "unknown key 'monitor.psi_treshold'"),
        (
            {"performance_drop": {"auc": 0.1}},
            "monitor.performance_drop names unknown metric 'auc' (known: roc_auc, accuracy",
        ),
        (
            {"performance_drop": {"roc_auc": -0.1}},
            "key 'monitor.performance_drop.roc_auc' input should be greater than or equal to 0",
        ),
    ],
)
def test_bad_monitor_params_are_one_clear_error(
    project: Path, monitor: dict[str, object], message: str
) -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())
    params["monitor"].update(monitor)
    Path("params.yaml").write_text(yaml.safe_dump(params))
    for command in ("monitor", "batches"):
        code, output = invoke(command)
        assert code == 1
        assert f"params.yaml: {message}" in output
        assert len(output.strip().splitlines()) == 1, output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shift", "age*2"], "--shift 'age*2': expected COLUMN=+N"),
        (["--shift", "gender=+1"], "column 'gender' is a category"),
        (["--start", "tomorrow"], "--start 'tomorrow': expected a date as YYYY-MM-DD"),
        (["--batches", "0"], "--batches must be between 1 and the 120 available rows"),
        (["--reserve", "data/raw/base.csv"], "--reserve data/raw/base.csv: is under data/raw/"),
        (["--reserve", "b.csv", "--all-rows"], "pass --reserve or --all-rows, not both"),
    ],
)
def test_bad_batch_options_exit_1(monitored: Path, args: list[str], message: str) -> None:
    code, output = invoke("batches", *args)
    assert code == 1
    assert message in output
    assert not Path("data/incoming").exists()
