"""The ``cml`` stand-in (``bin/cml``): sticky comments per watermark through the emulator, like
CML 0.20.6, plain creates, and refusals."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.workflows.act import STANDIN_BIN
from tests.workflows.github_emulator import GitHubEmulator
from tests.workflows.harness_inputs import HEAD_SHA, PR_EVENT, REPO


@pytest.fixture
def cml_env(tmp_path: Path, emulator: GitHubEmulator) -> dict[str, str]:
    """Environment of a pull_request job whose API is the emulator."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps(PR_EVENT), encoding="utf-8")
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {
        **keep,
        "GITHUB_API_URL": emulator.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_ACTOR": "octocat",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "f" * 40,
        "GITHUB_WORKFLOW": "pr-report",
        "GITHUB_RUN_ID": "99",
        "REPO_TOKEN": "t0ken",
        "CML_STANDIN_LOG": str(tmp_path / "cml.jsonl"),
    }


def cml(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the stand-in through its shebang, as a workflow would."""
    return subprocess.run(
        [str(STANDIN_BIN / "cml"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cml_update_is_sticky_per_watermark(
    tmp_path: Path, emulator: GitHubEmulator, cml_env: dict[str, str]
) -> None:
    report = tmp_path / "report.md"
    report.write_text("# Metrics\n\naccuracy 0.91\n", encoding="utf-8")
    emulator.add_comment(REPO, 7, "a human comment")

    first = cml(
        cml_env, "comment", "update", "--target=pr/7", "--watermark-title=model_report", str(report)
    )
    assert first.returncode == 0, first.stderr
    assert [(r.method, r.path) for r in emulator.requests] == [
        ("GET", "/users/octocat"),
        ("GET", f"/repos/{REPO}/issues/7/comments"),
        ("POST", f"/repos/{REPO}/issues/7/comments"),
    ]
    posted = emulator.requests[-1]
    assert posted.auth_scheme == "token" and posted.token_present
    assert posted.json["body"] == (
        "# Metrics\n\naccuracy 0.91\n\n"
        f'![](https://cml.dev/watermark.png#{HEAD_SHA} "CML watermark model\\_report")\n'
    )
    comment_id = int(first.stdout.strip().rsplit("-", 1)[1])

    report.write_text("# Metrics\n\naccuracy 0.95\n", encoding="utf-8")
    second = cml(
        cml_env,
        "comment",
        "update",
        "--target",
        "pr/7",
        "--watermark-title",
        "model_report",
        str(report),
    )
    assert second.returncode == 0, second.stderr
    assert emulator.requests[-1].method == "PATCH"
    assert emulator.requests[-1].path == f"/repos/{REPO}/issues/comments/{comment_id}"
    assert "0.95" in emulator.repo(REPO).comments[comment_id]["body"]

    third = cml(
        cml_env, "comment", "update", "--target=pr/7", "--watermark-title=drift", str(report)
    )
    assert third.returncode == 0, third.stderr
    assert emulator.requests[-1].method == "POST"
    bodies = [c["body"] for c in emulator.repo(REPO).comments.values()]
    assert len(bodies) == 3 and sum("CML watermark" in b for b in bodies) == 2

    logged = [json.loads(x) for x in Path(cml_env["CML_STANDIN_LOG"]).read_text().splitlines()]
    assert logged[0] == [
        "comment",
        "update",
        "--target=pr/7",
        "--watermark-title=model_report",
        str(report),
    ]


def test_cml_update_patches_the_last_comment_with_that_title_whatever_its_sha(
    tmp_path: Path, emulator: GitHubEmulator, cml_env: dict[str, str]
) -> None:
    old = '![](https://cml.dev/watermark.png#abc123 "CML watermark drift")'
    first = emulator.add_comment(REPO, 7, f"old report\n\n{old}")
    second = emulator.add_comment(REPO, 7, f"newer report\n\n{old}")
    emulator.add_comment(REPO, 7, '![](https://cml.dev/watermark.png#abc123 "CML watermark other")')
    report = tmp_path / "r.md"
    report.write_text("fresh", encoding="utf-8")
    done = cml(
        cml_env, "comment", "update", "--target=issue/7", "--watermark-title=drift", str(report)
    )
    assert done.returncode == 0, done.stderr
    assert emulator.requests[-1].path.endswith(f"/issues/comments/{second['id']}")
    assert emulator.repo(REPO).comments[first["id"]]["body"].startswith("old report")


def test_cml_create_always_posts_and_unknown_commands_fail(
    tmp_path: Path, emulator: GitHubEmulator, cml_env: dict[str, str]
) -> None:
    report = tmp_path / "r.md"
    report.write_text("hello", encoding="utf-8")
    for _ in range(2):
        done = cml(cml_env, "comment", "create", "--target=pr/7", "--no-publish", str(report))
        assert done.returncode == 0, done.stderr
    assert [r.method for r in emulator.calls(path_regex="/comments")] == ["POST", "POST"]
    assert (
        emulator.requests[-1].json["body"]
        == f'hello\n\n![](https://cml.dev/watermark.png#{HEAD_SHA} "CML watermark")'
    )

    unknown = cml(cml_env, "runner", "launch")
    assert unknown.returncode != 0 and "unsupported" in unknown.stderr
    no_token = cml({**cml_env, "REPO_TOKEN": ""}, "comment", "create", "--target=pr/7", str(report))
    assert no_token.returncode == 1 and "REPO_TOKEN" in no_token.stderr
    assert cml(cml_env, "pr", "create", "--squash", "data/").returncode == 0
