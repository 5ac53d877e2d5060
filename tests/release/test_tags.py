"""GTO's tag grammar, `tabml release check-tag` (what the workflows run first) and
`tabml release check-metrics` (what a release built by `dvc repro` must pass)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tabml.cli import app
from tabml.errors import TabmlError
from tabml.release import tags
from tests.release.release_repos import commit
from tests.support import run

runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "kind"),
    [("model@v1.2.0", "version"), ("model@v1.2.0-rc.1", "version"), ("model#prod#3", "stage")],
)
def test_registration_and_assignment_tags_parse(name: str, kind: str) -> None:
    parsed = tags.parse_tag(name)
    assert parsed["name"] == "model" and kind in parsed


@pytest.mark.parametrize(
    "name", ["model@v1.2.0!", "model#prod!", "model@deprecated", "model@1.2.0", "v1.2.0", "main"]
)
def test_other_refs_are_refused(name: str) -> None:
    with pytest.raises(TabmlError, match=r"neither a registration .* nor a stage assignment"):
        tags.parse_tag(name)


@pytest.mark.slow
def test_check_tag_reads_gto_tags_and_writes_step_outputs(
    plain_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = run(["git", "rev-parse", "HEAD"], plain_repo).stdout.strip()
    run(["gto", "register", "model", "HEAD", "--version", "v1.0.0"], plain_repo)
    run(["gto", "assign", "model", "--version", "v1.0.0", "--stage", "staging"], plain_repo)
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))

    args = ["release", "check-tag", "model#staging#1", "--repo", "Acme/Demo"]
    result = runner.invoke(app, [*args, "--event", "assignment"])
    assert result.exit_code == 0, result.output
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written == {
        "artifact": "model",
        "version": "v1.0.0",
        "stage": "staging",
        "event": "assignment",
        "sha": head,
        "registration_tag": "model@v1.0.0",
        "image_name": "ghcr.io/acme/demo",
        "image": "ghcr.io/acme/demo:v1.0.0",
    }
    refused = runner.invoke(app, [*args, "--event", "registration"])
    assert refused.exit_code == 1
    assert "is a GTO assignment, not a registration" in refused.output

    (plain_repo / "later.txt").write_text("a later commit\n")
    commit(plain_repo)
    refused = runner.invoke(app, ["release", "check-tag", "model@v1.0.0"])
    assert refused.exit_code == 1
    assert f"points at {head[:12]}, not at HEAD" in " ".join(refused.output.split())


def test_check_tag_refuses_a_tag_that_does_not_exist(plain_repo: Path) -> None:
    result = runner.invoke(app, ["release", "check-tag", "model@v3.0.0"])
    assert result.exit_code == 1
    assert "tag 'model@v3.0.0' is not in this repository" in " ".join(result.output.split())
