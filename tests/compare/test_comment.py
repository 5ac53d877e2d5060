"""`tabml verify-report`: what the comment workflow trusts from an untrusted PR artifact, and the
comment it renders from it (verdict from the run's conclusion, inert text, bounded size)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tabml.cli import app
from tabml.compare.markdown import COMMENT_BUDGET
from tabml.compare.schema import CheckData, ReportData, SliceData
from tests.compare.reportdata import active_content, delta, hostile, sample
from tests.workflows.github_emulator import GitHubEmulator

REPO = "acme/tabml-demo"
HEAD = "a" * 40
RUN_URL = f"https://github.com/{REPO}/actions/runs/101"


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    """The loopback GitHub REST emulator of the workflow harness (the PR the comment is for)."""
    with GitHubEmulator() as gh:
        yield gh


def artifact(tmp_path: Path, data: ReportData | None = None, **overrides: object) -> Path:
    """An artifact as pr-report.yml uploads it: the report data, a markdown copy, a manifest."""
    folder = tmp_path / "artifact"
    folder.mkdir()
    data_file = folder / "report-data.json"
    data_file.write_text((data or sample(pr_sha=HEAD)).model_dump_json())
    (folder / "report.md").write_text("## Model report\n\n✅ **Quality gate passed** @acme/all\n")
    manifest = {
        "pr_number": 7,
        "head_sha": HEAD,
        "base_sha": "b" * 40,
        "data_file": "report-data.json",
        "data_sha256": hashlib.sha256(data_file.read_bytes()).hexdigest(),
    } | overrides
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def verify(
    folder: Path, emulator: GitHubEmulator, tmp_path: Path, conclusion: str = "success"
) -> subprocess.CompletedProcess[str]:
    """The command in this process (a subprocess spent half a second on imports per test), with
    the workflow's GitHub variables and no others; an uncaught exception shows as a traceback."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("GITHUB_", "GH_"))}
    env |= {
        "GITHUB_API_URL": emulator.url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_TOKEN": "fake-token",
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
    }
    args = ["verify-report", "--artifact-dir", str(folder)]
    args += ["--run-head-sha", HEAD, "--run-conclusion", conclusion, "--run-id", "101"]
    args += ["--repo", REPO]
    result = CliRunner().invoke(app, args, env=env)
    stderr = result.stderr
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)


def outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "github_output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def comment(tmp_path: Path, folder: Path, emulator: GitHubEmulator, conclusion: str) -> str:
    """Run verify-report on an open PR #7 and return the comment it rendered."""
    emulator.add_pull(REPO, 7, head_sha=HEAD, head_ref="feature")
    result = verify(folder, emulator, tmp_path, conclusion)
    assert result.returncode == 0, result.stderr
    return Path(outputs(tmp_path)["comment"]).read_text(encoding="utf-8")


def test_a_valid_artifact_names_its_pr_and_gets_a_comment_rendered_outside_it(
    emulator: GitHubEmulator, tmp_path: Path
) -> None:
    folder = artifact(tmp_path)
    text = comment(tmp_path, folder, emulator, "success")
    assert outputs(tmp_path)["pr"] == "7"
    written = Path(outputs(tmp_path)["comment"])
    assert written == tmp_path / "pr-comment.md"  # beside the artifact, not in it
    assert text.startswith("## Model report\n\n✅ **Quality gate passed** · `roc_auc` 0.9000")
    assert f"[workflow run]({RUN_URL})" in text
    assert "@acme/all" not in text  # the PR run's markdown is never posted
    [call] = emulator.calls("GET", rf"/repos/{REPO}/pulls/7$")
    assert call.token_present


def test_a_forged_pass_in_a_failed_runs_artifact_is_posted_as_failed(
    emulator: GitHubEmulator, tmp_path: Path
) -> None:
    forged = sample(
        pr_sha=HEAD, checks=(CheckData(rule="roc_auc >= 0.99", passed=True, detail="ok"),)
    )
    text = comment(tmp_path, artifact(tmp_path, forged), emulator, "failure")
    assert text.splitlines()[2].startswith("❌ **Quality gate failed**")
    assert "Quality gate passed" not in text


def test_hostile_text_in_the_artifact_reaches_the_comment_only_as_inert_code(
    emulator: GitHubEmulator, tmp_path: Path
) -> None:
    text = comment(tmp_path, artifact(tmp_path, hostile(pr_sha=HEAD)), emulator, "failure")
    assert active_content(text, [re.escape(RUN_URL)]) == []
    assert "`@acme/maintainers please merge`" in text


def test_an_oversized_report_is_cut_to_fit_one_comment(
    emulator: GitHubEmulator, tmp_path: Path
) -> None:
    rows = tuple(
        SliceData(group="g", value=f"{i}" + "v" * 190, rows=50, delta=delta()) for i in range(400)
    )
    text = comment(
        tmp_path, artifact(tmp_path, sample(pr_sha=HEAD, slices=rows)), emulator, "success"
    )
    assert len(text) <= COMMENT_BUDGET
    assert "Report cut to fit GitHub's comment limit" in text and RUN_URL in text


def _data(**changes: Any) -> ReportData:
    return sample(pr_sha=HEAD, **changes)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pr_number": "7; rm -rf /"}, "key 'pr_number'"),
        ({"pr_number": -1}, "key 'pr_number'"),
        ({"head_sha": "c" * 40}, "is not the triggering run's head"),
        ({"data_file": "../../etc/passwd.json"}, "key 'data_file'"),
        ({"data_sha256": "0" * 64}, "SHA-256 does not match the manifest"),
        ({"gate_passed": True}, "key 'gate_passed'"),  # no verdict travels in the artifact
        ({"base_sha": "c" * 40}, "is about other commits than the manifest"),
    ],
)
def test_tampered_manifests_are_refused(
    emulator: GitHubEmulator, tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    emulator.add_pull(REPO, 7, head_sha=HEAD, head_ref="feature")
    result = verify(artifact(tmp_path, None, **overrides), emulator, tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "github_output").exists()
    assert not (tmp_path / "pr-comment.md").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d | {"headline": "roc_auc; @all"}, "key 'headline'"),
        (lambda d: d | {"base_source": "x\n\n![x](https://evil.example)"}, "key 'base_source'"),
        (lambda d: d | {"markdown": "## forged"}, "key 'markdown'"),
        (lambda d: d | {"pr_sha": "d" * 40}, "about other commits"),
    ],
)
def test_report_data_outside_the_schema_is_refused(
    emulator: GitHubEmulator, tmp_path: Path, edit: Any, message: str
) -> None:
    emulator.add_pull(REPO, 7, head_sha=HEAD, head_ref="feature")
    folder = artifact(tmp_path)
    data_file = folder / "report-data.json"
    data_file.write_text(json.dumps(edit(json.loads(data_file.read_text()))))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["data_sha256"] = hashlib.sha256(data_file.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = verify(folder, emulator, tmp_path)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "report-data.json" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("conclusion", ["cancelled", "neutral", "", "success; echo"])
def test_only_a_success_or_failure_conclusion_is_a_verdict(
    emulator: GitHubEmulator, tmp_path: Path, conclusion: str
) -> None:
    emulator.add_pull(REPO, 7, head_sha=HEAD, head_ref="feature")
    result = verify(artifact(tmp_path), emulator, tmp_path, conclusion)
    assert result.returncode == 1
    assert "--run-conclusion must be success or failure" in result.stderr
    assert emulator.calls() == []


def test_a_pr_whose_head_moved_is_refused(emulator: GitHubEmulator, tmp_path: Path) -> None:
    emulator.add_pull(REPO, 7, head_sha="d" * 40, head_ref="feature")
    result = verify(artifact(tmp_path), emulator, tmp_path)
    assert result.returncode == 1
    assert "does not belong to the triggering run" in result.stderr


def test_an_unknown_pr_is_refused(emulator: GitHubEmulator, tmp_path: Path) -> None:
    result = verify(artifact(tmp_path), emulator, tmp_path)
    assert result.returncode == 1
    assert "HTTP 404" in result.stderr
