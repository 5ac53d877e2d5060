"""Recording a deployment with GitHub's Deployments API, against the loopback REST emulator:
in progress when the deploy starts, then the job's status mapped to a deployment state."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tabml.cli import app
from tabml.errors import TabmlError
from tabml.release import deploy
from tests.workflows.github_emulator import GitHubEmulator

REPO = "acme/tabml-demo"
runner = CliRunner()


def test_deployment_is_recorded_in_progress_then_with_the_job_status(
    github: GitHubEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    image = "ghcr.io/acme/tabml-demo:v1.0.0"
    args = ["--repo", REPO, "--ref", "b" * 40, "--environment", "prod", "--version", "v1.0.0"]
    result = runner.invoke(app, ["release", "deployment-start", *args, "--image", image])
    assert result.exit_code == 0, result.output
    deployment_id = int(result.output.strip())
    assert outputs.read_text() == f"deployment_id={deployment_id}\n"
    (created,) = github.calls("POST", f"/repos/{REPO}/deployments$")
    assert created.json["ref"] == "b" * 40 and created.json["environment"] == "prod"
    assert created.json["production_environment"] is True
    assert created.json["payload"] == {"version": "v1.0.0", "image": image}

    state = ["--state", "cancelled"]
    result = runner.invoke(
        app, ["release", "deployment-status", "--repo", REPO, "--id", str(deployment_id), *state]
    )
    assert result.exit_code == 0, result.output
    statuses = github.repo(REPO).statuses[deployment_id]
    assert [s["state"] for s in statuses] == ["in_progress", "error"]
    assert statuses[-1]["log_url"] == f"https://github.com/{REPO}/actions/runs/42"


def test_unknown_deployment_state_is_refused(github: GitHubEmulator) -> None:
    with pytest.raises(TabmlError, match=r"deployment state 'deployed' is not one of"):
        deploy.set_status(REPO, 1, "deployed")
    assert github.requests == []
