"""`tabml verify-report`: what the comment workflow trusts from an untrusted PR artifact."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator

REPO = "acme/tabml-demo"
HEAD = "a" * 40


def artifact(tmp_path: Path, **overrides: object) -> Path:
    folder = tmp_path / "artifact"
    folder.mkdir()
    report = folder / "report.md"
    report.write_text("## Model report\n\n✅ **Quality gate passed**\n")
    manifest = {
        "pr_number": 7,
        "head_sha": HEAD,
        "base_sha": "b" * 40,
        "gate_passed": True,
        "report_file": "report.md",
        "report_sha256": hashlib.sha256(report.read_bytes()).hexdigest(),
    } | overrides
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def verify(
    folder: Path, emulator: GitHubEmulator, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    output = tmp_path / "github_output"
    env = {
        "GITHUB_API_URL": emulator.url,
        "GITHUB_TOKEN": "fake-token",
        "GITHUB_OUTPUT": str(output),
        "PATH": str(Path(sys.executable).parent),
    }
    cmd = [
        sys.executable,
        "-m",
        "tabml",
        "verify-report",
        "--artifact-dir",
        str(folder),
        "--run-head-sha",
        HEAD,
        "--repo",
        REPO,
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)


def test_a_valid_artifact_names_its_pr(emulator: GitHubEmulator, tmp_path: Path) -> None:
    emulator.add_pull(REPO, 7, head_sha=HEAD, head_ref="feature")
    result = verify(artifact(tmp_path), emulator, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7"
    lines = (tmp_path / "github_output").read_text().splitlines()
    assert lines[0] == "pr=7" and lines[1].endswith("artifact/report.md")
    [call] = emulator.calls("GET", rf"/repos/{REPO}/pulls/7$")
    assert call.token_present


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pr_number": "7; rm -rf /"}, "key 'pr_number'"),
        ({"pr_number": -1}, "key 'pr_number'"),
        ({"head_sha": "c" * 40}, "is not the triggering run's head"),
        ({"report_file": "../../etc/passwd.md"}, "key 'report_file'"),
        ({"report_sha256": "0" * 64}, "SHA-256 does not match the manifest"),
        ({"extra": "field"}, "key 'extra'"),
    ],
)
def test_tampered_artifacts_are_refused(
    emulator: GitHubEmulator, tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    emulator.add_pull(REPO, 7, head_sha=HEAD, head_ref="feature")
    result = verify(artifact(tmp_path, **overrides), emulator, tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "github_output").exists()


def test_a_pr_whose_head_moved_is_refused(emulator: GitHubEmulator, tmp_path: Path) -> None:
    emulator.add_pull(REPO, 7, head_sha="d" * 40, head_ref="feature")
    result = verify(artifact(tmp_path), emulator, tmp_path)
    assert result.returncode == 1
    assert "does not belong to the triggering run" in result.stderr


def test_an_unknown_pr_is_refused(emulator: GitHubEmulator, tmp_path: Path) -> None:
    result = verify(artifact(tmp_path), emulator, tmp_path)
    assert result.returncode == 1
    assert "HTTP 404" in result.stderr
