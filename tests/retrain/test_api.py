"""The retrain's GitHub calls against the loopback REST emulator: one PR or issue per kind of
outcome, opened by the first run and updated by the next, and a workflow dispatch."""

from __future__ import annotations

from tabml.retrain.api import dispatch, publish
from tabml.retrain.decide import Decision
from tests.workflows.github_emulator import GitHubEmulator

REPO = "acme/demo"


def test_an_issue_is_opened_once_then_updated(github: GitHubEmulator) -> None:
    def decision(body: str) -> Decision:
        return Decision("issue", "gate failed", title="Retrain", body=body, marker="<!-- r -->")

    first, opened = publish(REPO, decision("<!-- r --> run 1"))
    again, updated = publish(REPO, decision("<!-- r --> run 2"))
    assert (first, again) == ("created", "updated")
    assert updated["number"] == opened["number"]
    issues = list(github.repo(REPO).issues.values())
    assert [item["body"] for item in issues] == ["<!-- r --> run 2"]


def test_a_pull_request_is_opened_once_from_the_branch_then_updated(
    github: GitHubEmulator,
) -> None:
    def decision(title: str) -> Decision:
        return Decision(
            "pull", "gate passed", title=title, body="b", head="retrain/auto", base="main"
        )

    first, opened = publish(REPO, decision("Retrain on 1 batch"))
    again, updated = publish(REPO, decision("Retrain on 2 batches"))
    assert (first, again) == ("created", "updated")
    assert updated["number"] == opened["number"] and updated["title"] == "Retrain on 2 batches"
    (created,) = github.calls("POST", f"/repos/{REPO}/pulls$")
    assert created.json["head"] == "retrain/auto" and created.json["base"] == "main"


def test_dispatch_starts_the_workflow_on_the_ref(github: GitHubEmulator) -> None:
    dispatch(REPO, "retrain.yml", "main")
    assert github.repo(REPO).dispatches == [{"workflow": "retrain.yml", "body": {"ref": "main"}}]
    (call,) = github.calls("POST", "/dispatches$")
    assert call.token_present
