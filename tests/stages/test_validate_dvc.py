"""Bad input never destroys a good output: real `dvc repro` and `dvc exp run` on the small project.

DVC deletes a stage's outputs before running its command; the `validate` stage runs first and
refuses bad params, contract or data before any other stage is touched.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tabml import paths
from tests.support import ROOT, run, write_small_project

pytestmark = pytest.mark.slow

OUTPUTS = [
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
]


def digests(repo: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256((repo / p).read_bytes()).hexdigest() for p in OUTPUTS}


def code_deps() -> list[str]:
    """The source files that dvc.yaml names as deps (hashed by DVC, so they must exist)."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    return sorted({d for s in stages for d in s.get("deps", []) if d.startswith("src/")})


@pytest.fixture(scope="module")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with this repository's dvc.yaml, reproduced and committed."""
    repo = tmp_path_factory.mktemp("validate") / "repo"
    repo.mkdir()
    write_small_project(repo)
    for name in ["dvc.yaml", ".gitignore", *code_deps()]:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, repo / name)
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["dvc", "init", "-q"], repo)
    run(["dvc", "repro", "-q"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "reproduced"], repo)
    return repo


@pytest.fixture
def repo(small_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(small_template, target, symlinks=True)
    return target


def edit_params(repo: Path, change: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    change(params)
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def bad_value(repo: Path) -> None:
    raw = repo / "data/raw/adult.csv"
    lines = raw.read_text().splitlines()
    lines[3] = "-7" + lines[3][lines[3].index(",") :]
    raw.write_text("\n".join(lines) + "\n")


BAD: dict[str, tuple[Callable[[Path], None], str]] = {
    "evaluate.threshold 2": (
        lambda r: edit_params(r, lambda p: p["evaluate"].update(threshold=2)),
        "params.yaml: key 'evaluate.threshold' input should be less than 1 (got 2)",
    ),
    "a typo in train": (
        lambda r: edit_params(r, lambda p: p["train"].update(sed=1)),
        "params.yaml: unknown key 'train.sed'",
    ),
    "a typo outside the pipeline's sections": (
        lambda r: edit_params(r, lambda p: p["serve"].update(prot=80)),
        "params.yaml: unknown key 'serve.prot'",
    ),
    "a bad data value": (bad_value, "data/raw/adult.csv: column 'age' has 1 value below 0"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_stops_dvc_repro_before_any_output_is_deleted(repo: Path, case: str) -> None:
    edit, message = BAD[case]
    before = digests(repo)
    edit(repo)
    result = run(["dvc", "repro"], repo, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"error: {message}" in output
    assert "Traceback" not in output
    assert "Running stage 'prepare'" not in output
    assert digests(repo) == before  # every output still there, byte for byte
    changed = run(["git", "status", "--porcelain", "--", "reports"], repo).stdout
    assert changed == ""


def test_bad_input_through_dvc_exp_run_keeps_the_workspace(repo: Path) -> None:
    before = digests(repo)
    result = run(["dvc", "exp", "run", "-S", "evaluate.threshold=2"], repo, check=False)
    assert result.returncode != 0
    assert "key 'evaluate.threshold' input should be less than 1" in result.stdout + result.stderr
    assert digests(repo) == before


def test_a_valid_change_reruns_only_validate_and_the_stage_it_concerns(repo: Path) -> None:
    stamp = (repo / paths.VALIDATED).read_bytes()
    edit_params(repo, lambda p: p["evaluate"].update(threshold=0.4))
    out = run(["dvc", "repro"], repo).stdout
    assert "Running stage 'validate'" in out
    assert "Running stage 'evaluate'" in out
    for skipped in ("prepare", "featurize", "train"):
        assert f"Running stage '{skipped}'" not in out
    assert (repo / paths.VALIDATED).read_bytes() == stamp
