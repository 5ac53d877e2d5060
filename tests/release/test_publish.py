"""Publishing a release and recording deployments, against the loopback GitHub REST emulator."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tabml.cli import app
from tabml.errors import TabmlError
from tabml.release import deploy, publish
from tests.support import run
from tests.workflows.github_emulator import GitHubEmulator

REPO = "acme/tabml-demo"
TAG = "model@v1.0.0"
runner = CliRunner()


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    with GitHubEmulator() as emulator:
        monkeypatch.setenv("GITHUB_API_URL", emulator.url)
        monkeypatch.setenv("GITHUB_TOKEN", "test-token")
        yield emulator


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    """A small release directory whose SHA256SUMS is written by coreutils."""
    folder = tmp_path / "release"
    folder.mkdir()
    (folder / "model.skops").write_bytes(bytes(range(256)) * 40)
    (folder / "metrics.json").write_text('{"roc_auc": 0.93}\n')
    (folder / "MODEL_CARD.md").write_text("# Model card: model v1.0.0\n\n## Summary\n")
    info = {"artifact": "model", "version": "v1.0.0", "tag": TAG, "git_sha": "a" * 40}
    (folder / "release.json").write_text(json.dumps(info))
    files = sorted(p.name for p in folder.iterdir())
    (folder / "SHA256SUMS").write_text(run(["sha256sum", *files], folder).stdout)
    return folder


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_creates_the_release_and_uploads_every_file(
    github: GitHubEmulator, release_dir: Path
) -> None:
    result = runner.invoke(
        app, ["release", "publish", "--tag", TAG, "--repo", REPO, "--dir", str(release_dir)]
    )
    assert result.exit_code == 0, result.output
    (created,) = github.calls("POST", f"/repos/{REPO}/releases$")
    assert created.token_present
    assert created.json["tag_name"] == TAG and created.json["name"] == "model v1.0.0"
    assert "# Model card: model v1.0.0" in created.json["body"]
    assert "sha256sum --check SHA256SUMS" in created.json["body"]
    (release,) = github.repo(REPO).releases.values()
    uploaded = {a["name"]: a for a in github.repo(REPO).assets[release["id"]]}
    assert set(uploaded) == {p.name for p in release_dir.iterdir()}
    for name, asset in uploaded.items():
        assert asset["sha256"] == digest(release_dir / name)
        assert asset["size"] == (release_dir / name).stat().st_size
    uploads = github.calls("POST", r"/releases/\d+/assets$")
    assert all(r.headers.get("Content-Type") == "application/octet-stream" for r in uploads)


def test_publish_refuses_files_that_do_not_match_their_checksums(
    github: GitHubEmulator, release_dir: Path
) -> None:
    (release_dir / "model.skops").write_bytes(b"tampered")
    with pytest.raises(TabmlError, match=r"model.skops: missing or does not match its SHA-256"):
        publish.publish(release_dir, TAG, REPO)
    assert github.requests == []


def test_publish_refuses_another_tag(github: GitHubEmulator, release_dir: Path) -> None:
    with pytest.raises(TabmlError, match=r"is for tag 'model@v1.0.0', not 'model@v2.0.0'"):
        publish.publish(release_dir, "model@v2.0.0", REPO)
    assert github.requests == []


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
