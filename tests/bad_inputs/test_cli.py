"""The CLI cases: each bad input is refused in one sentence and changes no file, while the same
runner passes the good project and the unedited artifacts pass the same checks (the controls)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bad_inputs.cli_cases import CASES, CONTROL, Cli
from tests.bad_inputs.corpus import CSV, MODEL, assert_one_sentence, case_id
from tests.bad_inputs.edits import HEAD, artifact, release, skops_file
from tests.bad_inputs.fork_server import ForkServer, Outcome, run_cases


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest,
    good_project: Path,
    fork_server: ForkServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Outcome]:
    """The outcome of every CLI case this session selected, all run at once (FORK_SERVER)."""
    calls = (getattr(item, "callspec", None) for item in request.session.items)
    cases = (call.params.get("case") for call in calls if call is not None)
    selected = [case for case in cases if isinstance(case, Cli)]
    return run_cases(selected, good_project, tmp_path_factory.mktemp("cases"), fork_server)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_bad_input_is_refused_in_one_sentence_and_changes_no_file(
    case: Cli, outcomes: dict[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    assert outcome.code == 1, outcome.stderr[-3000:]
    assert_one_sentence(outcome.stderr, case.message)
    assert outcome.stdout == ""
    assert outcome.after == outcome.before  # no output written, replaced or deleted


@pytest.mark.parametrize("case", [CONTROL], ids=case_id)
def test_the_same_runner_passes_the_good_project(case: Cli, outcomes: dict[str, Outcome]) -> None:
    """The control: what the cases above refuse is their edit, not the runner or the project."""
    outcome = outcomes[case.id]
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == "validate: params.yaml, data/contract.yaml and 240 rows ok\n"


def test_the_unedited_artifacts_pass_the_same_checks(good_project: Path, tmp_path: Path) -> None:
    """The control for artifacts: each is refused for its edit, not for how the test builds it."""
    from tabml.compare.manifest import load_verified
    from tabml.io import load_model
    from tabml.serve.model import load_served_model

    shutil.copytree(good_project, root := tmp_path / "project")
    for edit in (artifact(), release(lambda right: right), skops_file(lambda members: None)):
        edit(root)
    manifest, data = load_verified(root / "artifact/manifest.json", HEAD)
    assert (manifest.pr_number, data.headline) == (7, "roc_auc")
    assert load_served_model(root / "release", None, root / CSV).source == "release"
    assert hasattr(load_model(root / MODEL), "predict_proba")
