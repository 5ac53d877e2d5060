"""The real pipeline: a git copy of this repository, real `dvc repro` on the bundled data (slow:
about a minute of CPU), and the cheap checks of dvc.yaml and the bundled data's provenance."""

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from tabml import paths
from tests.support import ROOT, run

FLOOR_ROC_AUC = 0.90
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
def test_repro_meets_the_metric_floor(reproduced_repo: Path) -> None:
    metrics = json.loads((reproduced_repo / paths.METRICS).read_text())
    assert metrics["roc_auc"] >= FLOOR_ROC_AUC
    assert metrics["n_test"] == 9769
    assert set(metrics) >= {"roc_auc", "accuracy", "precision", "recall", "f1", "log_loss", "brier"}


@pytest.mark.slow
def test_repro_matches_the_committed_lock_and_outputs(reproduced_repo: Path) -> None:
    """Same data and params give the same model and metrics as the ones committed."""
    status = run(["git", "status", "--porcelain"], reproduced_repo).stdout
    assert status == "", f"dvc repro changed committed files:\n{status}"


@pytest.mark.slow
def test_repro_never_writes_raw_data(reproduced_repo: Path) -> None:
    provenance = yaml.safe_load((ROOT / "data/raw/adult.provenance.yaml").read_text())
    assert digest(reproduced_repo / "data/raw/adult.csv") == provenance["sha256"]


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
    raw = repo_copy / "data/raw/adult.csv"
    lines = raw.read_text().splitlines()
    lines[1] = "-7" + lines[1][lines[1].index(",") :]
    raw.write_text("\n".join(lines) + "\n")
    result = run(["dvc", "repro"], repo_copy, check=False)
    assert result.returncode != 0
    assert "data/raw/adult.csv: column 'age' has 1 value below 0" in result.stdout + result.stderr
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


def test_provenance_matches_the_bundled_data() -> None:
    provenance = yaml.safe_load((ROOT / "data/raw/adult.provenance.yaml").read_text())
    raw = ROOT / "data/raw/adult.csv"
    assert digest(raw) == provenance["sha256"]
    assert len(raw.read_text().splitlines()) - 1 == provenance["rows"] == 48842


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
