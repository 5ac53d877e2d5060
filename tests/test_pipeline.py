"""The real pipeline: a git copy of this repository, real `dvc repro` on the project's data (slow:
about a minute of CPU on the bundled Adult table), and the cheap checks of dvc.yaml and of the raw
data's provenance. Generic: they hold for whatever table the user brought (params.yaml's data
section, its floors and its provenance files), not only for Adult."""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tabml import metrics, paths
from tabml.config import load_params
from tabml.contract import load_contract
from tests.support import ROOT, run

PROVENANCES = sorted((ROOT / "data" / "raw").glob("*.provenance.yaml"))
DETERMINISTIC = [
    paths.METRICS,
    paths.SLICES,
    paths.PREDICTIONS,
    paths.MODEL,
    paths.ROC,
    paths.IMPORTANCE,
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_repro_meets_the_metric_floors(reproduced_repo: Path) -> None:
    """Every floor of params.yaml's gate holds, and every reported metric is written."""
    params = load_params(reproduced_repo / "params.yaml")
    scores = json.loads((reproduced_repo / paths.METRICS).read_text())
    for name, floor in params.report.gate.floors.items():
        assert metrics.get(name).meets(scores[name], floor), (name, scores[name], floor)
    assert set(scores) >= set(params.report.metrics)


@pytest.mark.slow
def test_repro_matches_the_committed_lock_and_outputs(reproduced_repo: Path) -> None:
    """Same data and params give the same model and metrics as the ones committed."""
    status = run(["git", "status", "--porcelain"], reproduced_repo).stdout
    assert status == "", f"dvc repro changed committed files:\n{status}"


@pytest.mark.slow
def test_repro_never_writes_raw_data(reproduced_repo: Path) -> None:
    raw = load_params(ROOT / "params.yaml").data.path
    assert digest(reproduced_repo / raw) == digest(ROOT / raw)


@pytest.mark.slow
def test_forced_repro_is_byte_identical(repo_copy: Path) -> None:
    before = {name: digest(repo_copy / name) for name in DETERMINISTIC}
    run(["dvc", "repro", "--force"], repo_copy)
    assert {name: digest(repo_copy / name) for name in DETERMINISTIC} == before


@pytest.mark.slow
def test_noop_repro_runs_nothing(repo_copy: Path) -> None:
    out = run(["dvc", "repro"], repo_copy).stdout
    assert "Running stage" not in out
    assert "up to date" in out


@pytest.mark.slow
def test_a_param_change_reruns_only_downstream_stages(repo_copy: Path) -> None:
    params = yaml.safe_load((repo_copy / "params.yaml").read_text())
    params["evaluate"]["threshold"] = 0.4
    (repo_copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = json.loads(run(["dvc", "status", "--json"], repo_copy).stdout)
    assert list(status) == ["evaluate", "validate"]  # the stage concerned is named first
    out = run(["dvc", "repro"], repo_copy).stdout
    assert "Running stage 'validate'" in out and "Running stage 'evaluate'" in out
    for skipped in ("prepare", "featurize", "train"):
        assert f"Running stage '{skipped}'" not in out


@pytest.mark.slow
def test_bad_data_stops_dvc_repro_at_validate(repo_copy: Path) -> None:
    before = {name: digest(repo_copy / name) for name in DETERMINISTIC}
    data = load_params(repo_copy / "params.yaml").data
    columns = load_contract(repo_copy / data.contract).columns
    column, low = next((n, c.min) for n, c in columns.items() if c.min is not None)
    frame = pd.read_csv(repo_copy / data.path, dtype=str, keep_default_na=False)
    frame.loc[0, column] = str(low - 1)  # one value below the contract's minimum
    frame.to_csv(repo_copy / data.path, index=False)
    result = run(["dvc", "repro"], repo_copy, check=False)
    assert result.returncode != 0
    assert f"{data.path}: column '{column}' has 1 value below" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Running stage 'prepare'" not in result.stdout
    assert {name: digest(repo_copy / name) for name in DETERMINISTIC} == before


def test_validate_runs_first_and_tracks_every_param() -> None:
    """DVC deletes a stage's outputs before running it: every stage must be downstream of the
    validate stage, which reruns on any change of params, contract or raw data."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    validate = stages["validate"]
    assert validate["params"] == [{"params.yaml": None}]  # no keys: every key of the file
    assert {"${data.path}", "${data.contract}"} <= set(validate["deps"])
    producer = {
        next(iter(out)) if isinstance(out, dict) else out: name
        for name, stage in stages.items()
        for out in stage.get("outs", []) + stage.get("metrics", [])
    }

    def upstream(name: str) -> set[str]:
        direct = {producer[d] for d in stages[name]["deps"] if d in producer}
        return direct.union(*(upstream(d) for d in direct))

    for name in stages:
        assert name == "validate" or "validate" in upstream(name), name


def test_dvc_yaml_names_the_package_paths() -> None:
    pipeline = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    outs: set[str] = set()
    for stage in pipeline["stages"].values():
        for entry in stage.get("outs", []) + stage.get("metrics", []):
            outs.add(entry if isinstance(entry, str) else next(iter(entry)))
    expected = {
        str(p)
        for p in (
            paths.VALIDATED,
            paths.TRAIN,
            paths.TEST,
            paths.TRAIN_FEATURES,
            paths.FEATURIZER,
            paths.MODEL,
            paths.METRICS,
            paths.BASELINE,
            paths.SLICES,
            paths.PREDICTIONS,
            paths.ROC,
            paths.PRECISION_RECALL,
            paths.CALIBRATION,
            paths.IMPORTANCE,
            paths.CONFUSION,
            paths.PREDICTED_ACTUAL,
            paths.RESIDUALS,
        )
    }
    assert outs == expected
    assert pipeline["artifacts"]["model"]["path"] == str(paths.MODEL)


@pytest.mark.parametrize("provenance", PROVENANCES, ids=lambda path: path.name)
def test_provenance_matches_the_raw_data(provenance: Path) -> None:
    """Each data/raw/<name>.provenance.yaml (the bundled Adult table ships one) names a file
    whose SHA-256 and row count it records."""
    record = yaml.safe_load(provenance.read_text())
    raw = provenance.parent / record["file"]
    assert digest(raw) == record["sha256"]
    assert len(raw.read_text().splitlines()) - 1 == record["rows"]


def test_readme_graph_is_generated_from_dvc_yaml() -> None:
    dag = run(["dvc", "dag", "--md"], ROOT).stdout.strip()
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- dag:start", 1)[1].split("\n", 1)[1].split("<!-- dag:end -->")[0]
    assert block.strip() == dag


def test_every_plot_reads_a_file_that_evaluate_writes_for_every_task() -> None:
    """`dvc plots show` errors on a missing file: each plot's file is an out of evaluate, which
    writes every plot file whatever data.task is (tests/stages/test_evaluate_dvc.py runs it)."""
    pipeline = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    outs = {
        next(iter(o)) if isinstance(o, dict) else o for o in pipeline["stages"]["evaluate"]["outs"]
    }
    files = {path for plot in pipeline["plots"] for spec in plot.values() for path in spec["y"]}
    assert files <= outs, sorted(files - outs)
    assert {str(paths.CONFUSION), str(paths.PREDICTED_ACTUAL), str(paths.RESIDUALS)} <= files
