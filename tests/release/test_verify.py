"""`make verify-release`: every file of a downloaded release through `gh attestation verify`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT, tool_env

REPO = "acme/tabml-demo"
FILES = ("MODEL_CARD.md", "SHA256SUMS", "metrics.json", "model.skops")
# A stand-in for gh: logs its arguments; refuses the files named in FAIL the way gh does.
FAKE_GH = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$GH_LOG"
for name in $FAIL; do
  if [ "$(basename "$3")" = "$name" ]; then
    echo "Error: verifying with issuer \\"sigstore.dev\\"" >&2
    echo "no attestations found for subject: sha256:0000" >&2
    exit 1
  fi
done
echo "All attestations have been successfully verified!"
"""


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder with the Makefile (`.venv` taken as set up) and a downloaded release."""
    work = tmp_path / "work"
    (work / ".venv").mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy2(ROOT / name, work / name)
    (work / ".venv" / ".synced").touch()
    release = work / "download"
    release.mkdir()
    for name in FILES:
        (release / name).write_text(f"{name}\n")
    return work


def verify(work: Path, gh: bool, **env: str) -> subprocess.CompletedProcess[str]:
    """`make verify-release` on work/download, with the fake gh on PATH or with none at all."""
    bin_dir = work.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    if gh:
        (bin_dir / "gh").write_text(FAKE_GH)
        (bin_dir / "gh").chmod(0o755)
    base = tool_env(GH_LOG=str(work.parent / "gh.log"), **env)
    path = [p for p in base["PATH"].split(os.pathsep) if not (Path(p) / "gh").exists()]
    base["PATH"] = os.pathsep.join([str(bin_dir), *path])
    return subprocess.run(
        ["make", "-s", "verify-release", "RELEASE_DIR=download"],
        cwd=work,
        env=base,
        capture_output=True,
        text=True,
        check=False,
    )


def gh_calls(work: Path) -> list[str]:
    log = work.parent / "gh.log"
    return log.read_text().splitlines() if log.exists() else []


def test_every_file_is_verified_against_the_release_workflow(work: Path) -> None:
    done = verify(work, gh=True, REPO=REPO)
    assert done.returncode == 0, done.stderr
    assert gh_calls(work) == [
        f"attestation verify download/{name} --repo {REPO} "
        f"--signer-workflow {REPO}/.github/workflows/release.yml"
        for name in FILES
    ]
    assert "all 4 files of download were attested by acme/tabml-demo's release" in done.stdout


def test_a_swapped_file_fails_and_is_named(work: Path) -> None:
    done = verify(work, gh=True, REPO=REPO, FAIL="model.skops")
    assert done.returncode != 0
    error = done.stderr.strip().splitlines()[0]
    assert error == (
        f"error: download: 1 of 4 files failed gh attestation verify against {REPO}'s release "
        "workflow (model.skops; model.skops: no attestations found for subject: sha256:0000), "
        "so do not serve this release"
    )
    assert len(gh_calls(work)) == 4  # every file is still checked, so all failures are known


def test_without_gh_it_fails_and_says_what_to_install(work: Path) -> None:
    done = verify(work, gh=False, REPO=REPO)
    assert done.returncode != 0
    assert done.stderr.startswith(
        "error: gh (the GitHub CLI) is not on PATH, so the release was not verified: install it "
        "from https://cli.github.com"
    )
    assert "verify-release: all" not in done.stdout


@pytest.mark.parametrize(
    ("env", "remove", "message"),
    [
        ({}, None, "set REPO=owner/name"),
        ({"REPO": "acme"}, None, "error: --repo 'acme' is not owner/name"),
        ({"REPO": REPO}, "SHA256SUMS", "error: download: no SHA256SUMS, so this is not a release"),
    ],
)
def test_bad_input_is_one_sentence(
    work: Path, env: dict[str, str], remove: str | None, message: str
) -> None:
    if remove:
        (work / "download" / remove).unlink()
    done = verify(work, gh=True, GITHUB_REPOSITORY="", **env)
    assert done.returncode != 0
    assert message in done.stderr
    assert gh_calls(work) == []
