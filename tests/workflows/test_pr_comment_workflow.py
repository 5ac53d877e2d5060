"""``pr-comment.yml``: statically, and executed under act on faked ``workflow_run`` events that
point at the report runs of ``pr_loop`` (their artifacts are in the shared act directory).

The act sequence (``@pytest.mark.slow``), against one GitHub emulator where PR #7 is open:

1. the report run of push 1 completed (gate passed): the comment is POSTed;
2. push 2 moves PR #7's head; the run of push 1 is replayed: refused, no comment call;
3. the report run of push 2 completed (gate failed): the same comment is PATCHed;
4. a cancelled report run: the job is skipped;
5. a failed run whose artifact a fork forged (every rule "passed", a team ping, HTML, links, and
   enough slices for a 70,000-character report): the comment says failed, carries nothing
   active, fits GitHub's limit, and PATCHes the same comment.

The comment is rendered by the comment job from the artifact's report data, so each test checks
the posted body against ``render_comment`` of that data with the run's conclusion.

Whether PR code is present in the comment job is checked from inside the run: the emulator
(``WorkspaceProbe``) looks at act's workspace while it answers ``tabml verify-report``'s
``GET /pulls/7``, i.e. while the job is running.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tabml.compare.render import render_comment
from tabml.compare.schema import ReportData, SliceData
from tests.compare.reportdata import active_content, delta, hostile
from tests.support import ROOT
from tests.workflows.github_emulator import COMMENT_LIMIT, GitHubEmulator, Reply
from tests.workflows.pr_loop import (
    ARTIFACT,
    BRANCH,
    COMMENT_WORKFLOW,
    PR,
    REPO,
    PrLoop,
    RunRecord,
    pr_loop,
)

WORKFLOW: dict[str, Any] = yaml.safe_load((ROOT / COMMENT_WORKFLOW).read_text(encoding="utf-8"))
JOB: dict[str, Any] = WORKFLOW["jobs"]["comment"]
TITLE = "tabml PR report"  # the Makefile's COMMENT_TITLE
WATERMARK = re.compile(
    r'\n\n!\[\]\(https://cml\.dev/watermark\.png#[0-9a-f]{40} "CML watermark tabml PR report"\)'
)
FORGED_RUN = 105  # a report run of push 2 whose artifact a fork forged (see forge_artifact)


# -- static ------------------------------------------------------------------------------------
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


# -- executed under act ------------------------------------------------------------------------
# The first line of the checkout stand-in's script: act runs the stand-in only for a checkout
# with a `ref` (it replaces a ref-less checkout of the repository by its own copy of it).
CHECKOUT_STANDIN = 'Main if [ "$REPOSITORY" != "$GITHUB_REPOSITORY" ]'


class WorkspaceProbe(GitHubEmulator):
    """The emulator, plus a look at the running job's workspace whenever a PR is fetched."""

    def __init__(self, act_tmp: Path, paths: list[str]) -> None:
        super().__init__()
        self.act_tmp, self.paths = act_tmp, paths
        self.seen: dict[int, list[list[dict[str, Any]]]] = {}
        self.known: set[Path] = set()
        self.run_id = 0

    def workspaces(self) -> set[Path]:
        """act 0.2.89's host workspaces: <action cache>/<hash>/hostexecutor."""
        return set(self.act_tmp.glob("act-*/cache/*/hostexecutor"))

    def next_run(self, run_id: int) -> None:
        """Call before a run: workspaces that exist now belong to earlier runs."""
        self.known, self.run_id = self.workspaces(), run_id

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        """Snapshot the running job's workspace(s), then answer."""
        if method == "GET" and re.search(r"/pulls/\d+$", target):
            live = sorted(self.workspaces() - self.known)
            self.seen.setdefault(self.run_id, []).append([self._look(ws) for ws in live])
        return super().handle(method, target, headers, raw)

    def _look(self, workspace: Path) -> dict[str, Any]:
        head = git_out(workspace, "rev-parse", "HEAD", check=False).strip()
        files = {p: (workspace / p).read_bytes() for p in self.paths if (workspace / p).is_file()}
        return {"path": workspace, "head": head, "files": files}


def git_out(repo: Path, *args: str, check: bool = True) -> str:
    """stdout of a git command in ``repo``."""
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=check
    ).stdout


def conclusion(record: RunRecord) -> str:
    """What GitHub would report for that run."""
    return "success" if record.result.ok else "failure"


@dataclass
class CommentRuns:
    """The comment runs, the emulator they talked to, and what the PR changed."""

    loop: PrLoop
    api: WorkspaceProbe
    runs: dict[str, RunRecord]
    pr_changed: list[str]

    def run(self, name: str, push: int, run_id: int, outcome: str, workflow: str) -> RunRecord:
        """Run a comment workflow for the report run of ``push``; keep it as ``name``."""
        self.api.next_run(run_id)
        event = self.loop.workflow_run_event(push, outcome)
        self.runs[name] = self.loop.run(workflow, "workflow_run", event, run_id, self.api)
        return self.runs[name]

    def snapshot(self, name: str) -> dict[str, Any]:
        """The one live workspace seen while run ``name`` fetched its PR."""
        (seen,) = self.api.seen[int(self.runs[name].result.run_id)]
        (workspace,) = seen
        return workspace

    def pr_code_evidence(self, name: str) -> list[str]:
        """Every sign that run ``name`` held or ran PR code (empty: none)."""
        record, main = self.runs[name], self.loop.main_sha
        found = [f"canary: {line}" for line in sorted(set(record.canary))]
        if CHECKOUT_STANDIN in record.result.output:
            found.append("a checkout with a ref ran")
        workspace = self.snapshot(name)
        if workspace["head"] != main:
            found.append(f"workspace HEAD is {workspace['head'][:12]}, not main")
        for path in self.pr_changed:
            wanted = subprocess.run(
                ["git", "-C", str(self.loop.repo), "show", f"{main}:{path}"],
                capture_output=True,
                check=True,
            ).stdout
            if workspace["files"].get(path) != wanted:
                found.append(f"{path} is not main's")
        return found


@pytest.fixture(scope="module")
def loop(reproduced_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> PrLoop:
    """The shared PR-report loop (see pr_loop)."""
    return pr_loop(reproduced_repo, tmp_path_factory)


@pytest.fixture(scope="module")
def comments(loop: PrLoop) -> Iterator[CommentRuns]:
    """Run the comment workflow four times, in order (see the module docstring)."""
    outcome = {push: conclusion(loop.report(push)) for push in (1, 2)}
    changed = git_out(loop.repo, "diff", "--name-only", loop.main_sha, loop.pushes[1]).split()
    with WorkspaceProbe(loop.act_tmp, changed) as api:
        api.add_pull(REPO, PR, head_sha=loop.pushes[0], head_ref=BRANCH)
        runs = CommentRuns(loop, api, {}, changed)
        runs.run("first", 1, 201, outcome[1], COMMENT_WORKFLOW)
        api.repo(REPO).issues[PR]["head"]["sha"] = loop.pushes[1]  # push 2 reaches the PR
        runs.run("stale", 1, 202, outcome[1], COMMENT_WORKFLOW)
        runs.run("second", 2, 203, outcome[2], COMMENT_WORKFLOW)
        runs.run("cancelled", 2, 204, "cancelled", COMMENT_WORKFLOW)
        forge_artifact(loop, FORGED_RUN)
        event = loop.workflow_run_event(2, "failure")
        event["workflow_run"]["id"] = FORGED_RUN
        api.next_run(205)
        runs.runs["forged"] = loop.run(COMMENT_WORKFLOW, "workflow_run", event, 205, api)
        yield runs


def forge_artifact(loop: PrLoop, run_id: int) -> ReportData:
    """Push 2's artifact as a fork could rewrite it for run ``run_id``: every rule "passed",
    hostile text in every free-text field, 400 long slice rows, and a 70,017-character
    report.md saying the gate passed (never posted: the job renders its own)."""
    folder = loop.act_tmp / "artifacts" / str(run_id) / ARTIFACT
    shutil.copytree(loop.report(2).result.artifact(ARTIFACT), folder)
    data = ReportData.model_validate_json((folder / "report-data.json").read_bytes())
    evil = hostile()
    rows = tuple(
        SliceData(group="g", value=f"{i}" + "v" * 190, rows=50, delta=delta(data.headline))
        for i in range(400)
    )
    forged = data.model_copy(
        update={
            "checks": tuple(c.model_copy(update={"passed": True}) for c in data.checks),
            "params": evil.params,
            "inputs": evil.inputs,
            "slices": evil.slices + rows,
            "lock_reasons": evil.lock_reasons,
            "warnings": evil.warnings,
            "base_source": evil.base_source,
        }
    )
    text = forged.model_dump_json()
    forged = ReportData.model_validate_json(text)  # valid: only the schema's checks pass it
    (folder / "report-data.json").write_text(text, encoding="utf-8")
    line = "✅ **Quality gate passed** @acme/maintainers [merge](https://evil.example)\n"
    report = "## Model report\n\n" + line * 1000
    (folder / "report.md").write_text(report[:70_017], encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["data_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return forged


def run_url(run_id: int) -> str:
    """The report run's page, as the comment job builds it from the event."""
    return f"https://github.com/{REPO}/actions/runs/{run_id}"


def expected_comment(loop: PrLoop, push: int, conclusion: str, run_id: int = 0) -> str:
    """What the comment job must render from the artifact of the report run ``run_id``."""
    run_id = run_id or 100 + push
    folder = loop.act_tmp / "artifacts" / str(run_id) / ARTIFACT
    data = ReportData.model_validate_json((folder / "report-data.json").read_bytes())
    return render_comment(data, conclusion, run_url(run_id))  # type: ignore[arg-type]


def comment_calls(record: RunRecord) -> list[tuple[str, str]]:
    """The comment-writing requests of one run."""
    return [(r.method, r.path) for r in record.requests if r.method in ("POST", "PATCH")]


@pytest.mark.slow
def test_first_report_is_posted_as_a_new_sticky_comment(
    loop: PrLoop, comments: CommentRuns
) -> None:
    first = comments.runs["first"]
    first.result.check()
    (created,) = [r for r in first.requests if r.method == "POST"]
    assert created.path == f"/repos/{REPO}/issues/{PR}/comments" and created.token_present
    report = expected_comment(loop, 1, "success")
    body = created.json["body"]
    assert body.startswith(report) and WATERMARK.fullmatch(body.removeprefix(report))
    assert report.splitlines()[2].startswith("✅ **Quality gate passed**")
    assert f"[workflow run]({run_url(101)})" in report


@pytest.mark.slow
def test_cml_gets_the_target_watermark_and_the_downloaded_report(comments: CommentRuns) -> None:
    log = comments.runs["first"].result.cml_calls()
    assert log[0] == ["--version"]  # make cml-install found the pinned version
    first = log[1]
    assert first[:5] == [
        "comment",
        "update",
        f"--target=pr/{PR}",
        f"--watermark-title={TITLE}",
        "--no-publish",
    ]
    report = Path(first[5])
    assert report.name == "pr-comment.md"  # rendered by the job, beside the artifact
    workspace = comments.snapshot("first")["path"]
    assert not report.is_relative_to(workspace)  # the artifact is data, outside the code


@pytest.mark.slow
def test_a_run_whose_head_is_no_longer_the_prs_is_refused(comments: CommentRuns) -> None:
    stale = comments.runs["stale"]
    assert not stale.result.ok
    assert "does not have head" in stale.result.output
    assert [r.path for r in stale.requests if r.method == "GET" and "/pulls/" in r.path] == [
        f"/repos/{REPO}/pulls/{PR}"
    ]
    assert comment_calls(stale) == []
    assert "Failure - Main Validate the manifest" in stale.result.output
    assert "Main Post or update the sticky comment" not in stale.result.output


@pytest.mark.slow
def test_second_push_updates_the_same_comment_with_the_failed_gate(
    loop: PrLoop, comments: CommentRuns
) -> None:
    assert conclusion(loop.report(2)) == "failure"
    second = comments.runs["second"]
    second.result.check()  # the gate failed in the report run; posting it succeeds
    (only,) = comments.api.repo(REPO).comments.values()  # still one comment on the PR
    assert comment_calls(second) == [("PATCH", f"/repos/{REPO}/issues/comments/{only['id']}")]
    report = expected_comment(loop, 2, "failure")
    (patched,) = [r for r in second.requests if r.method == "PATCH"]
    assert patched.json["body"].startswith(report)
    assert WATERMARK.fullmatch(patched.json["body"].removeprefix(report))
    assert report.splitlines()[2].startswith("❌ **Quality gate failed**")
    assert "roc_auc >= 0.99" in report


@pytest.mark.slow
def test_cancelled_report_runs_get_no_comment(comments: CommentRuns) -> None:
    cancelled = comments.runs["cancelled"]
    cancelled.result.check()
    assert cancelled.requests == []
    assert "make setup" not in cancelled.result.output


@pytest.mark.slow
def test_a_forged_artifact_of_a_failed_run_is_posted_as_failed_inert_and_within_the_limit(
    loop: PrLoop, comments: CommentRuns
) -> None:
    forged = comments.runs["forged"]
    forged.result.check()  # GitHub would have accepted the comment
    (only,) = comments.api.repo(REPO).comments.values()
    assert comment_calls(forged) == [("PATCH", f"/repos/{REPO}/issues/comments/{only['id']}")]
    (patched,) = [r for r in forged.requests if r.method == "PATCH"]
    body = patched.json["body"]
    assert len(body) <= COMMENT_LIMIT and only["body"] == body
    report = expected_comment(loop, 2, "failure", FORGED_RUN)
    assert body.startswith(report) and WATERMARK.fullmatch(body.removeprefix(report))
    assert body.splitlines()[2].startswith("❌ **Quality gate failed**")
    assert "Quality gate passed" not in body and "Report cut to fit" in body
    watermark = r"https://cml\.dev/watermark\.png#[0-9a-f]{40}"
    assert active_content(body, [re.escape(run_url(FORGED_RUN)), watermark]) == []


@pytest.mark.slow
def test_comment_runs_never_hold_or_run_pr_code(loop: PrLoop, comments: CommentRuns) -> None:
    assert {"Makefile", "params.yaml", "src/tabml/__init__.py"} <= set(comments.pr_changed)
    # The two detectors fire on the report run, which runs PR code by design.
    assert {"make", "python"} <= set(loop.report(1).canary)
    assert CHECKOUT_STANDIN in loop.report(1).result.output
    for name in ("first", "stale", "second", "forged"):
        assert comments.pr_code_evidence(name) == [], name


@pytest.mark.slow
def test_the_checks_catch_a_comment_workflow_that_checks_out_the_pr(
    loop: PrLoop, comments: CommentRuns
) -> None:
    """Negative control: the same workflow with `ref: <run head>` on its checkout is caught."""
    text = (loop.repo / COMMENT_WORKFLOW).read_text(encoding="utf-8")
    mutant = text.replace(
        "          persist-credentials: false\n",
        "          persist-credentials: false\n"
        "          ref: ${{ github.event.workflow_run.head_sha }}\n",
        1,
    )
    assert mutant != text
    path = loop.repo / ".github" / "workflows" / "pr-comment-mutant.yml"
    path.write_text(mutant, encoding="utf-8")
    try:
        comments.run("mutant", 2, 209, "failure", str(path.relative_to(loop.repo)))
    finally:
        path.unlink()
    evidence = comments.pr_code_evidence("mutant")
    assert "canary: make" in evidence and "canary: python" in evidence
    assert "a checkout with a ref ran" in evidence
    assert f"workspace HEAD is {loop.pushes[1][:12]}, not main" in evidence
    assert "src/tabml/__init__.py is not main's" in evidence
