"""``pr-comment.yml`` executed under act on faked ``workflow_run`` events that point at the
report runs of ``pr_loop`` (their artifacts are in the shared act directory). Its static checks
are in ``test_pr_comment_workflow.py``; the runs and their probe in ``comment_runs.py``.

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

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tabml.compare.render import render_comment
from tabml.compare.schema import ReportData
from tests.compare.reportdata import active_content
from tests.workflows.comment_runs import (
    CHECKOUT_STANDIN,
    FORGED_RUN,
    CommentRuns,
    WorkspaceProbe,
    conclusion,
    forge_artifact,
    git_out,
)
from tests.workflows.github_rest import COMMENT_LIMIT
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

TITLE = "tabml PR report"  # the Makefile's COMMENT_TITLE
WATERMARK = re.compile(
    r'\n\n!\[\]\(https://cml\.dev/watermark\.png#[0-9a-f]{40} "CML watermark tabml PR report"\)'
)


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
