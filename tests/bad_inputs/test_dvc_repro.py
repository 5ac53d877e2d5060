"""The same bad inputs through `dvc repro` (slow): it stops before any stage can delete an output,
whether tabml or DVC itself refuses the input."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.bad_inputs.cli_cases import CASES, Cli
from tests.bad_inputs.corpus import assert_one_sentence, case_id, digests, write_project
from tests.support import ROOT, run

# Case id -> None, or DVC's own refusal when it reads params.yaml itself (for dvc.yaml's
# ${data.path}) before any stage runs: its words, not tabml's, on several lines for bad YAML.
TABML_REFUSES = ("threshold above 1", "unknown key", "value below min", "unseen target label")
THROUGH_DVC = dict.fromkeys((*TABML_REFUSES, "empty data", "contract typo", "infinite number")) | {
    "YAML syntax error": r"(?m)^ERROR: unable to read: 'params\.yaml', YAML file structure is",
    "params as a list": r"(?m)^ERROR: .*expected a dictionary, got 'list' in file 'params\.yaml'$",
}


@pytest.fixture(scope="session")
def dvc_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with this repository's dvc.yaml, reproduced by `dvc repro`, committed."""
    write_project(repo := tmp_path_factory.mktemp("dvc") / "repo")
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    code = {dep for stage in stages for dep in stage.get("deps", []) if dep.startswith("src/")}
    for name in ["dvc.yaml", ".gitignore", *code]:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, repo / name)
    for command in (["git", "init", "-q", "-b", "main"], ["dvc", "init", "-q"], ["dvc", "repro"]):
        run(command, repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "reproduced"], repo)
    return repo


@pytest.mark.slow
@pytest.mark.parametrize(
    "dvc_case", [c for c in CASES if isinstance(c, Cli) and c.id in THROUGH_DVC], ids=case_id
)
def test_dvc_repro_stops_before_any_stage_can_delete_an_output(
    dvc_case: Cli, dvc_project: Path, tmp_path: Path
) -> None:
    shutil.copytree(dvc_project, repo := tmp_path / "repo", symlinks=True)
    # not data/validated.json: validate's own stamp, which DVC deletes before running validate
    outputs = ("reports/", "models/", "data/prepared/", "data/features/", "dvc.lock")
    before = digests(repo, outputs)
    dvc_case.edit(repo)
    result = run(["dvc", "repro"], repo, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    if (refused_by_dvc := THROUGH_DVC[dvc_case.id]) is None:
        assert "Running stage 'prepare'" not in output
        assert_one_sentence("\n".join(re.findall(r"(?m)^error: .*$", output)), dvc_case.message)
    else:
        assert "Running stage" not in output and re.search(refused_by_dvc, output), output
    assert digests(repo, outputs) == before
