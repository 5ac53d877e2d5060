"""``pr-comment.yml``, statically: it runs only after the report workflow, with only the
permissions it needs, checks out the default branch alone, keeps the artifact outside it, and
takes the verdict and the link from the event with publishing off. Its runs under act are in
``test_pr_comment_under_act.py``."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support import ROOT
from tests.workflows.pr_loop import COMMENT_WORKFLOW

WORKFLOW: dict[str, Any] = yaml.safe_load((ROOT / COMMENT_WORKFLOW).read_text(encoding="utf-8"))
JOB: dict[str, Any] = WORKFLOW["jobs"]["comment"]


def test_triggers_on_the_report_workflow_with_only_the_permissions_it_needs() -> None:
    report_name = yaml.safe_load((ROOT / ".github/workflows/pr-report.yml").read_text())["name"]
    assert WORKFLOW[True] == {"workflow_run": {"workflows": [report_name], "types": ["completed"]}}
    assert WORKFLOW["permissions"] == {}
    assert JOB["permissions"] == {
        "actions": "read",
        "contents": "read",
        "pull-requests": "write",
    }
    condition = " ".join(JOB["if"].split())
    assert "github.event.workflow_run.event == 'pull_request'" in condition
    assert "conclusion == 'success'" in condition and "conclusion == 'failure'" in condition


def test_checks_out_the_default_branch_only_and_keeps_the_artifact_outside_it() -> None:
    steps = JOB["steps"]
    checkouts = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert [c["with"] for c in checkouts] == [{"persist-credentials": False}]  # no ref/repository
    assert not [s for s in steps if str(s.get("uses", "")).startswith("./")]
    (download,) = [s for s in steps if "download-artifact@" in str(s.get("uses", ""))]
    assert download["with"]["path"].startswith("${{ runner.temp }}/")
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    runs = [s["run"] for s in steps if "run" in s]
    assert runs == ["make setup", "make verify-report", "make cml-install", "make pr-comment"]
    assert "head_branch" not in str(steps) and "pull_requests" not in str(steps)


def test_the_verdict_and_the_link_come_from_the_event_and_publishing_is_off() -> None:
    (verify,) = [s for s in JOB["steps"] if s.get("run") == "make verify-report"]
    assert verify["env"]["RUN_CONCLUSION"] == "${{ github.event.workflow_run.conclusion }}"
    assert verify["env"]["REPORT_RUN_ID"] == "${{ github.event.workflow_run.id }}"
    (post,) = [s for s in JOB["steps"] if s.get("run") == "make pr-comment"]
    assert post["env"]["REPORT"] == "${{ steps.verify.outputs.comment }}"
    assert "CML_PUBLISH" not in str(WORKFLOW) and "vars." not in str(WORKFLOW)
