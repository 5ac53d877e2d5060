"""`tabml release register|promote` (make release / make promote) on real git + DVC repositories:
each refusal leaves no tag behind; success creates GTO's tags. Tests that run DVC and gto in
subprocesses take a few seconds each and are marked slow."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tabml.cli import app
from tests.release.release_repos import commit, write_scores
from tests.support import ROOT, run

runner = CliRunner()


def tags(repo: Path) -> list[str]:
    return run(["git", "tag", "--list"], repo).stdout.split()


def refused(args: list[str], repo: Path) -> str:
    """Run a release command that must fail; return its one-line message."""
    before = tags(repo)
    result = runner.invoke(app, ["release", *args])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert tags(repo) == before, "a refused command must not create a tag"
    message = " ".join(result.output.split())
    assert message.startswith("error: ")
    return message


@pytest.mark.slow
def test_register_then_promote_creates_gto_tags(gate_repo: Path) -> None:
    head = run(["git", "rev-parse", "HEAD"], gate_repo).stdout.strip()
    result = runner.invoke(app, ["release", "register", "--version", "v1.2.0"])
    assert result.exit_code == 0, result.output
    assert "model@v1.2.0" in result.output
    assert tags(gate_repo) == ["model@v1.2.0"]
    assert run(["git", "rev-list", "-n", "1", "model@v1.2.0"], gate_repo).stdout.strip() == head

    result = runner.invoke(app, ["release", "promote", "--version", "v1.2.0", "--stage", "prod"])
    assert result.exit_code == 0, result.output
    stage_tags = [t for t in tags(gate_repo) if "#" in t]
    assert stage_tags == ["model#prod#1"]
    assert run(["git", "rev-list", "-n", "1", "model#prod#1"], gate_repo).stdout.strip() == head
    event = json.loads(run(["gto", "check-ref", "--json", "model#prod#1"], gate_repo).stdout)
    assert (event["event"], event["version"], event["stage"]) == ("assignment", "v1.2.0", "prod")


def test_refuses_a_dirty_work_tree(plain_repo: Path) -> None:
    params = plain_repo / "params.yaml"
    params.write_text(params.read_text() + "\n# an uncommitted edit\n")
    message = refused(["register", "--version", "v1.0.0"], plain_repo)
    assert "work tree is dirty (params.yaml changed)" in message


def test_refuses_a_commit_that_is_not_on_main(plain_repo: Path) -> None:
    run(["git", "switch", "-q", "-c", "feature"], plain_repo)
    (plain_repo / "notes.txt").write_text("work in progress\n")
    head = commit(plain_repo, "feature work")
    message = refused(["register", "--version", "v1.0.0"], plain_repo)
    assert f"commit {head[:12]} is not on main" in message


@pytest.mark.slow
def test_refuses_a_stale_dvc_lock(gate_repo: Path) -> None:
    write_scores(gate_repo, roc_auc=0.95)
    head = commit(gate_repo, "new scores, dvc repro forgotten")
    message = refused(["register", "--version", "v1.0.0"], gate_repo)
    assert f"dvc.lock at {head[:12]} is stale (evaluate: scores.json modified)" in message


@pytest.mark.slow
def test_refuses_when_the_quality_gate_fails(gate_repo: Path) -> None:
    write_scores(gate_repo, roc_auc=0.61)
    run(["dvc", "repro", "-q"], gate_repo)
    head = commit(gate_repo, "a worse model, reproduced and committed")
    message = refused(["register", "--version", "v1.0.0"], gate_repo)
    assert f"the quality gate fails at {head[:12]}: roc_auc >= 0.9 but roc_auc is 0.6100" in message


@pytest.mark.slow
def test_promote_checks_the_version_commit_not_head(gate_repo: Path) -> None:
    assert runner.invoke(app, ["release", "register", "--version", "v1.0.0"]).exit_code == 0
    write_scores(gate_repo, roc_auc=0.95)
    commit(gate_repo, "HEAD moves on with a stale lock")
    result = runner.invoke(app, ["release", "promote", "--version", "v1.0.0", "--stage", "staging"])
    assert result.exit_code == 0, result.output
    assert "model#staging#1" in tags(gate_repo)


@pytest.mark.slow
def test_rollback_reassigns_an_earlier_version(gate_repo: Path) -> None:
    def promote(version: str) -> None:
        args = ["release", "promote", "--version", version, "--stage", "prod"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output

    first = run(["git", "rev-parse", "HEAD"], gate_repo).stdout.strip()
    assert runner.invoke(app, ["release", "register", "--version", "v1.0.0"]).exit_code == 0
    promote("v1.0.0")
    (gate_repo / "README.md").write_text("a change that leaves dvc.lock fresh\n")
    commit(gate_repo)
    assert runner.invoke(app, ["release", "register", "--version", "v1.1.0"]).exit_code == 0
    promote("v1.1.0")
    promote("v1.0.0")  # the rollback: GTO needs --force for it, the command passes it
    assert run(["git", "rev-list", "-n", "1", "model#prod#3"], gate_repo).stdout.strip() == first
    shown = json.loads(run(["gto", "show", "--json"], gate_repo).stdout)
    assert shown["model"]["stage"]["prod"] == "v1.0.0"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["register", "--version", "1.0.0"], "version '1.0.0' is not SemVer with a leading 'v'"),
        (["promote", "--version", "v1.0.0", "--stage", "dev"], "stage 'dev' is not in the .gto"),
        (["promote", "--version", "v9.0.0", "--stage", "prod"], "tag 'model@v9.0.0' does not"),
    ],
    ids=["bad version", "unknown stage", "unregistered version"],
)
def test_refuses_bad_arguments_before_any_check(
    plain_repo: Path, args: list[str], expected: str
) -> None:
    assert expected in refused(args, plain_repo)


@pytest.mark.slow
def test_refuses_an_existing_version(gate_repo: Path) -> None:
    assert runner.invoke(app, ["release", "register", "--version", "v1.0.0"]).exit_code == 0
    (gate_repo / "notes.txt").write_text("more\n")
    commit(gate_repo)
    assert "tag 'model@v1.0.0' already exists" in refused(
        ["register", "--version", "v1.0.0"], gate_repo
    )


def test_make_targets_call_the_package_commands() -> None:
    dry = run(["make", "-n", "release", "promote", "VERSION=v1.0.0", "STAGE=prod"], ROOT).stdout
    assert re.search(r'tabml release register --version "\$\{VERSION:\?[^}]*\}"', dry)
    assert re.search(r"tabml release promote --version .*\s+--stage \"\$\{STAGE:\?", dry)
