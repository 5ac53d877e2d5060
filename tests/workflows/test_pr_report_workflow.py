"""``pr-report.yml``: statically (its shape), and executed under act on a faked ``pull_request``.

The act runs (``@pytest.mark.slow``) use the shared repository of ``pr_loop``: PR #7's first push
changes the learning rate (the gate passes), its second sets a 0.99 ROC AUC floor (it fails).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tabml.compare.render import render_data
from tabml.compare.schema import ReportData
from tests.support import ROOT
from tests.workflows.pr_loop import ARTIFACT, PR, REPO, REPORT_WORKFLOW, PrLoop, RunRecord, pr_loop

WORKFLOW: dict[str, Any] = yaml.safe_load((ROOT / REPORT_WORKFLOW).read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = WORKFLOW["jobs"]["report"]["steps"]


def step(uses: str) -> dict[str, Any]:
    """The one step using ``owner/name@...``."""
    (found,) = [s for s in STEPS if str(s.get("uses", "")).startswith(uses + "@")]
    return found


# -- static ------------------------------------------------------------------------------------
def test_runs_pr_code_with_a_read_only_token_and_no_secrets() -> None:
    assert WORKFLOW[True] == {"pull_request": None}  # PyYAML reads the `on` key as True
    assert WORKFLOW["permissions"] == {}
    assert WORKFLOW["jobs"]["report"]["permissions"] == {"contents": "read"}
    text = (ROOT / REPORT_WORKFLOW).read_text(encoding="utf-8")
    assert not re.search(r"\$\{\{[^}]*(secrets\.|github\.token)", text)
    checkout = step("actions/checkout")["with"]
    assert checkout == {
        "ref": "${{ github.event.pull_request.head.sha }}",
        "fetch-depth": 0,
        "persist-credentials": False,
    }
    assert WORKFLOW["concurrency"]["cancel-in-progress"] is True


def test_every_run_step_is_a_make_target_with_values_passed_through_env() -> None:
    runs = [s["run"] for s in STEPS if "run" in s]
    assert runs and all(r.startswith("make ") and "\n" not in r.strip() for r in runs)
    assert not [r for r in runs if "${{" in r]


def test_uploads_the_report_whatever_the_gate_then_applies_the_gate_last() -> None:
    names = [s.get("uses", s.get("run", "")) for s in STEPS]
    upload = step("actions/upload-artifact")
    assert STEPS[-1]["run"] == "make gate" and "if" not in STEPS[-1]
    assert names.index(upload["uses"]) == len(STEPS) - 2
    assert "!cancelled()" in upload["if"] and "reports/pr/manifest.json" in upload["if"]
    assert upload["with"]["name"] == ARTIFACT and upload["with"]["path"] == "reports/pr/"


def test_caches_uv_the_venv_and_dvc() -> None:
    assert step("astral-sh/setup-uv")["with"]["enable-cache"] is True
    caches = {s["with"]["path"]: s["with"] for s in STEPS if "actions/cache@" in s.get("uses", "")}
    assert set(caches) == {".venv", ".dvc/cache"}
    assert "hashFiles('dvc.lock')" in caches[".dvc/cache"]["key"]
    assert "hashFiles('uv.lock', 'pyproject.toml')" in caches[".venv"]["key"]


# -- executed under act ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def loop(reproduced_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> PrLoop:
    """The shared PR-report loop (see pr_loop)."""
    return pr_loop(reproduced_repo, tmp_path_factory)


def uploaded(record: RunRecord) -> tuple[dict[str, Any], str]:
    """The uploaded artifact's manifest and report, after checking its files, hash and data."""
    folder = record.result.artifact(ARTIFACT)
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["manifest.json", "report-data.json", "report.json", "report.md"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    data_file = folder / "report-data.json"
    assert set(manifest) == {"pr_number", "head_sha", "base_sha", "data_file", "data_sha256"}
    assert manifest["data_file"] == data_file.name
    assert manifest["data_sha256"] == hashlib.sha256(data_file.read_bytes()).hexdigest()
    data = ReportData.model_validate_json(data_file.read_bytes())  # what the comment job checks
    assert (data.pr_sha, data.base_sha) == (manifest["head_sha"], manifest["base_sha"])
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert report == render_data(
        data,
        data.passed,
        f"https://github.com/{REPO}/actions/runs/{record.result.run_id}",
        limit=10**6,
    )  # one renderer
    return manifest, report


def step_outcomes(output: str) -> list[tuple[str, str]]:
    """act's ``Success``/``Failure`` lines for the job's main steps, in order."""
    return re.findall(r"(Success|Failure) - Main (.+?) \[", output)


@pytest.mark.slow
def test_report_run_uploads_the_report_and_its_manifest(loop: PrLoop) -> None:
    record = loop.report(1)
    record.result.check()
    manifest, report = uploaded(record)
    assert manifest["pr_number"] == PR
    assert manifest["head_sha"] == loop.pushes[0]
    assert manifest["base_sha"] == loop.main_sha  # the merge-base with origin/main
    verdict = report.splitlines()[2]
    assert re.match(r"✅ \*\*Quality gate passed\*\* · `roc_auc` 0\.\d{4} → 0\.\d{4}", verdict)
    assert "`train.hist_gradient_boosting.learning_rate`" in report
    assert f"Base numbers: `committed outputs at {loop.main_sha[:7]}`." in report
    assert ("Success", "Quality gate") in step_outcomes(record.result.output)
    assert "quality gate passed" in record.result.output


@pytest.mark.slow
def test_report_run_fails_at_the_gate_after_uploading_the_report(loop: PrLoop) -> None:
    record = loop.report(2)
    assert not record.result.ok
    manifest, report = uploaded(record)
    assert (manifest["pr_number"], manifest["head_sha"]) == (PR, loop.pushes[1])
    assert report.splitlines()[2].startswith("❌ **Quality gate failed**")
    assert "roc_auc >= 0.99" in report
    outcomes = step_outcomes(record.result.output)
    assert outcomes[-1] == ("Failure", "Quality gate")
    assert ("Success", "Upload the report") in outcomes[:-1]
    assert "the quality gate failed" in record.result.output


@pytest.mark.slow
def test_report_run_runs_the_pr_code_without_any_api_call(loop: PrLoop) -> None:
    record = loop.report(1)
    # The canary: the PR's Makefile and package ran here, as they should in this workflow (and
    # proof that test_pr_comment_under_act would see it if the comment workflow ran PR code).
    assert {"make", "python"} <= set(record.canary)
    assert record.requests == []  # no token use at all: no GitHub API call
    assert "pull: no DVC remote configured" in record.result.output
