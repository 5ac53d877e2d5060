"""Publishing a release, against the loopback GitHub REST emulator."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tabml.cli import app
from tabml.errors import TabmlError
from tabml.release import publish
from tests.support import run
from tests.workflows.github_emulator import GitHubEmulator

REPO = "acme/tabml-demo"
TAG = "model@v1.0.0"
runner = CliRunner()


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
