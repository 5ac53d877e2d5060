"""The Makefile targets the PR workflows call: ``pull``, ``pr-comment``, ``cml-install`` and
``verify-report``, run with real make, dvc, the ``cml`` stand-in and the GitHub emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT, run, tool_env
from tests.workflows.act import STANDIN_BIN
from tests.workflows.github_emulator import GitHubEmulator

REPO = "acme/tabml-demo"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A folder holding the Makefile, with `.venv` taken as set up."""
    work = tmp_path / "work"
    work.mkdir()
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy2(ROOT / name, work / name)
    (work / ".venv").mkdir()
    (work / ".venv" / ".synced").touch()  # newer than uv.lock: `make setup` has nothing to do
    return work


@pytest.fixture
def dvc_dir(project_dir: Path) -> Path:
    """``project_dir`` as a git + DVC repository."""
    run(["git", "init", "-q", "-b", "main"], project_dir)
    run(["dvc", "init", "-q"], project_dir)
    return project_dir


def make(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run make in ``cwd`` with the test tools (and ``env``) in the environment."""
    return subprocess.run(
        ["make", *args],
        cwd=cwd,
        env=tool_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


def test_pull_skips_without_a_remote(dvc_dir: Path) -> None:
    done = make(dvc_dir, "pull")
    assert done.returncode == 0, done.stderr
    assert "pull: no DVC remote configured" in done.stdout and "dvc pull" not in done.stdout


@pytest.mark.slow
def test_pull_restores_tracked_data_from_a_remote(dvc_dir: Path, tmp_path: Path) -> None:
    project_dir = dvc_dir
    (project_dir / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    run(["dvc", "add", "-q", "table.csv"], project_dir)
    run(["dvc", "remote", "add", "-d", "store", str(tmp_path / "remote")], project_dir)
    run(["dvc", "push", "-q"], project_dir)
    (project_dir / "table.csv").unlink()
    shutil.rmtree(project_dir / ".dvc" / "cache")
    done = make(project_dir, "pull")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project_dir / "table.csv").read_text(encoding="utf-8") == "a,b\n1,2\n"


@pytest.mark.slow
def test_a_failing_pull_fails_unless_optional(dvc_dir: Path) -> None:
    project_dir = dvc_dir
    # An S3 remote that cannot be reached (nothing listens on the loopback port) fails like one
    # without credentials. Nothing leaves the machine: no AWS host, no instance metadata.
    run(["dvc", "remote", "add", "-d", "store", "s3://no-such-bucket/dvc"], project_dir)
    run(["dvc", "remote", "modify", "store", "endpointurl", "http://127.0.0.1:9"], project_dir)
    offline = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    strict = make(project_dir, "pull", **offline)
    assert strict.returncode != 0
    optional = make(project_dir, "pull", "PULL_OPTIONAL=1", **offline)
    assert optional.returncode == 0, optional.stdout + optional.stderr
    assert "continuing without the remote" in optional.stdout


@pytest.fixture
def comment_env(tmp_path: Path) -> dict[str, str]:
    """What the comment job gives `make pr-comment`: token, repository, API, cml on PATH."""
    return {
        "PATH": f"{STANDIN_BIN}{os.pathsep}{tool_env()['PATH']}",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_ACTOR": "octocat",
        "GITHUB_SHA": "a" * 40,
        "REPO_TOKEN": "fake-token",
        "CML_STANDIN_LOG": str(tmp_path / "cml.jsonl"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def cml_log(env: dict[str, str]) -> list[list[str]]:
    """argv of each cml call."""
    log = Path(env["CML_STANDIN_LOG"])
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [json.loads(line) for line in lines]


def test_pr_comment_posts_then_updates_without_publishing(
    project_dir: Path, comment_env: dict[str, str]
) -> None:
    report = project_dir / "report.md"
    report.write_text("## Model report\n\nfirst\n", encoding="utf-8")
    with GitHubEmulator() as gh:
        env = {**comment_env, "GITHUB_API_URL": gh.url, "PR": "7", "REPORT": str(report)}
        first = make(project_dir, "pr-comment", **env)
        assert first.returncode == 0, first.stdout + first.stderr
        report.write_text("## Model report\n\nsecond\n", encoding="utf-8")
        second = make(project_dir, "pr-comment", "CML_PUBLISH=false", **env)
        assert second.returncode == 0, second.stdout + second.stderr
        (comment,) = gh.repo(REPO).comments.values()
        assert [(r.method, r.path) for r in gh.calls() if r.method != "GET"] == [
            ("POST", f"/repos/{REPO}/issues/7/comments"),
            ("PATCH", f"/repos/{REPO}/issues/comments/{comment['id']}"),
        ]
    assert comment["body"].startswith("## Model report\n\nsecond\n")
    base = ["comment", "update", "--target=pr/7", "--watermark-title=tabml PR report"]
    assert cml_log(env) == [[*base, "--no-publish", str(report)]] * 2


@pytest.mark.parametrize(
    ("args", "env"),
    [(["CML_PUBLISH=true"], {}), ([], {"CML_PUBLISH": "1"}), ([], {"CML_PUBLISH": "yes"})],
)
def test_pr_comment_refuses_to_publish(
    project_dir: Path, comment_env: dict[str, str], args: list[str], env: dict[str, str]
) -> None:
    """--publish would upload local files that PR-written markdown links to a public host."""
    report = project_dir / "report.md"
    report.write_text("## Model report\n", encoding="utf-8")
    done = make(project_dir, "pr-comment", *args, **comment_env, **env, PR="7", REPORT=str(report))
    assert done.returncode != 0
    assert "pr-comment: CML_PUBLISH is refused: --publish uploads every local file" in done.stderr
    assert cml_log(comment_env) == []


def test_with_30_comments_before_it_the_sticky_comment_is_posted_anew_each_run(
    project_dir: Path, comment_env: dict[str, str]
) -> None:
    """CML 0.20.6 reads the first page (30) of comments only: an older sticky one is not found."""
    report = project_dir / "report.md"
    report.write_text("## Model report\n", encoding="utf-8")
    with GitHubEmulator() as gh:
        for i in range(30):
            gh.add_comment(REPO, 7, f"review comment {i}")
        env = {**comment_env, "GITHUB_API_URL": gh.url, "PR": "7", "REPORT": str(report)}
        for _ in range(2):
            done = make(project_dir, "pr-comment", **env)
            assert done.returncode == 0, done.stdout + done.stderr
        listed = gh.calls("GET", r"/issues/7/comments$")
        assert [r.query for r in listed] == [{}, {}]  # no per_page, no page 2
        posts = [r for r in gh.calls() if r.method in ("POST", "PATCH")]
        stickies = [c for c in gh.repo(REPO).comments.values() if "CML watermark" in c["body"]]
    assert [r.method for r in posts] == ["POST", "POST"]
    assert len(stickies) == 2  # the first one stays, and is never updated again


def test_a_comment_github_refuses_fails_the_target(
    project_dir: Path, comment_env: dict[str, str]
) -> None:
    """The emulator answers an oversized body with GitHub's 422, and cml (so make) fails."""
    report = project_dir / "report.md"
    report.write_text("x" * 70_017, encoding="utf-8")
    with GitHubEmulator() as gh:
        env = {**comment_env, "GITHUB_API_URL": gh.url, "PR": "7", "REPORT": str(report)}
        done = make(project_dir, "pr-comment", **env)
        assert [r.status for r in gh.calls("POST")] == [422]
    assert done.returncode != 0
    assert "HTTP 422" in done.stderr and "Body is too long" in done.stderr


@pytest.mark.parametrize("number", ["", "7; touch pwned", "$(touch pwned)", "-1"])
def test_pr_comment_refuses_anything_but_a_number(
    project_dir: Path, comment_env: dict[str, str], number: str
) -> None:
    done = make(project_dir, "pr-comment", PR=number, **comment_env)
    assert done.returncode != 0
    assert "PR must be a pull-request number" in done.stderr
    assert cml_log(comment_env) == []
    assert not (project_dir / "pwned").exists()


def fake_npm(tmp_path: Path, installs: str) -> tuple[str, Path]:
    """PATH with an `npm` that logs its argv and puts a `cml` printing ``installs`` under
    ``<--prefix>/node_modules/.bin``, and no other cml; the log file."""
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    npm = fake / "npm"
    npm.write_text(
        '#!/bin/sh\necho "$@" > "$NPM_LOG"\nfor a; do prefix="$a"; done\n'
        'mkdir -p "$prefix/node_modules/.bin"\n'
        f"printf '#!/bin/sh\\necho {installs}\\n' > \"$prefix/node_modules/.bin/cml\"\n"
        'chmod +x "$prefix/node_modules/.bin/cml"\n',
        encoding="utf-8",
    )
    npm.chmod(0o755)
    return f"{fake}{os.pathsep}{tool_env()['PATH']}", tmp_path / "npm.txt"


def test_cml_install_keeps_the_pinned_version_or_installs_the_lockfile(
    project_dir: Path, comment_env: dict[str, str], tmp_path: Path
) -> None:
    present = make(project_dir, "cml-install", **comment_env)
    assert present.returncode == 0 and "cml 0.20.6 is already installed" in present.stdout
    path, npm_log = fake_npm(tmp_path, "0.20.6")
    missing = make(project_dir, "cml-install", PATH=path, NPM_LOG=str(npm_log))
    assert missing.returncode == 0, missing.stdout + missing.stderr
    assert npm_log.read_text(encoding="utf-8").split() == [
        "ci",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--prefix",
        ".github/cml",
    ]
    # The locked bin directory leads PATH: the next run finds the installed version there.
    again = make(project_dir, "cml-install", PATH=path, NPM_LOG=str(tmp_path / "again.txt"))
    assert again.returncode == 0 and "already installed" in again.stdout
    assert not (tmp_path / "again.txt").exists()
    report = project_dir / "report.md"
    report.write_text("## Model report\n", encoding="utf-8")
    comment = make(project_dir, "pr-comment", PATH=path, PR="7", REPORT=str(report))
    assert comment.returncode == 0, comment.stdout + comment.stderr  # found only on that PATH


def test_cml_install_fails_when_the_lockfile_installs_another_version(
    project_dir: Path, tmp_path: Path
) -> None:
    path, npm_log = fake_npm(tmp_path, "0.19.0")
    done = make(project_dir, "cml-install", PATH=path, NPM_LOG=str(npm_log))
    assert done.returncode != 0
    assert "installed cml '0.19.0', expected 0.20.6" in done.stderr


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, "set ARTIFACT_DIR"),
        ({"ARTIFACT_DIR": "a"}, "set RUN_HEAD_SHA"),
        ({"ARTIFACT_DIR": "a", "RUN_HEAD_SHA": "b"}, "set RUN_CONCLUSION"),
        ({"ARTIFACT_DIR": "a", "RUN_HEAD_SHA": "b", "RUN_CONCLUSION": "c"}, "set REPORT_RUN_ID"),
    ],
)
def test_verify_report_needs_the_artifact_and_the_run(
    project_dir: Path, given: dict[str, str], missing: str
) -> None:
    done = make(project_dir, "verify-report", GITHUB_REPOSITORY=REPO, **given)
    assert done.returncode != 0 and missing in done.stderr
