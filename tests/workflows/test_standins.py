"""The stand-ins of remote actions: which a workflow needs (following local actions, naming the
missing ones), upload and download run directly, and every stand-in under act (slow)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflows.act import run_act
from tests.workflows.git_repos import commit_all
from tests.workflows.harness_inputs import PINS, REPO, make_repo
from tests.workflows.standin_map import (
    STANDINS,
    StandinError,
    collect_uses,
    local_repository_flags,
)


def standin(
    command: str, action: str, cwd: Path, tmp: Path, **given: str
) -> subprocess.CompletedProcess[str]:
    """Run one stand-in command the way its action.yml does."""
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_OUTPUT": str(tmp / "out.txt"),
        "GITHUB_RUN_ID": "5",
        "GITHUB_REPOSITORY": REPO,
        "ACT_STANDIN_ARTIFACTS": str(tmp / "store"),
        "ACT_STANDIN_RECORDS": str(tmp / "records"),
        **{"INPUT_" + k.upper(): v for k, v in given.items()},
    }
    script = STANDINS / "_lib" / "standin.py"
    return subprocess.run(
        [sys.executable, str(script), command, action],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_upload_and_download_standins_follow_the_real_layout(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "reports" / "plots").mkdir(parents=True)
    (work / "reports" / "metrics.json").write_text("{}")
    (work / "reports" / "plots" / "roc.png").write_bytes(b"png")
    (work / "reports" / ".cache").write_text("hidden")
    done = standin(
        "upload", "actions/upload-artifact", work, tmp_path, name="reports", path="reports/\n"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stored = tmp_path / "store" / "5" / "reports"
    assert sorted(str(p.relative_to(stored)) for p in stored.rglob("*") if p.is_file()) == [
        "metrics.json",
        "plots/roc.png",
    ]
    again = standin(
        "upload", "actions/upload-artifact", work, tmp_path, name="reports", path="reports"
    )
    assert again.returncode == 1 and "already exists" in again.stdout
    missing = standin(
        "upload",
        "actions/upload-artifact",
        work,
        tmp_path,
        name="x",
        path="nope/*.json",
        if_no_files_found="error",
    )
    assert missing.returncode == 1 and "No files were found" in missing.stdout

    dest = tmp_path / "dest"
    dest.mkdir()
    no_token = standin(
        "download", "actions/download-artifact", dest, tmp_path, name="reports", run_id="5"
    )
    assert no_token.returncode == 1
    done = standin(
        "download",
        "actions/download-artifact",
        dest,
        tmp_path,
        name="reports",
        path="in",
        run_id="5",
        github_token="t",
    )
    assert done.returncode == 0, done.stdout
    assert (dest / "in" / "plots" / "roc.png").read_bytes() == b"png"
    record = json.loads(
        (tmp_path / "records" / "actions__download-artifact.jsonl").read_text().splitlines()[-1]
    )
    assert record["inputs"]["github-token"] == "<set>" and record["downloaded"] == ["reports"]


def test_collect_uses_follows_local_actions_and_reports_missing_standins(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "src",
        f"""
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: {PINS["checkout"]} # v7.0.1
              - uses: ./.github/actions/setup
              - uses: acme/unknown-action@{"a" * 40} # v1.0.0
        """,
        {"setup": f"runs:\n  using: composite\n  steps:\n    - uses: {PINS['setup-python']}\n"},
    )
    refs = collect_uses(repo, ".github/workflows/wf.yml")
    assert [r.spec.split("@")[0] for r in refs] == [
        "actions/checkout",
        "acme/unknown-action",
        "actions/setup-python",
    ]
    with pytest.raises(StandinError, match="acme/unknown-action@a{40}"):
        local_repository_flags(refs)
    with pytest.raises(StandinError):
        run_act(repo, ".github/workflows/wf.yml", "push", {}, tmp=tmp_path / "act")
    flags = local_repository_flags([r for r in refs if r.owner == "actions"])
    assert f"{PINS['setup-python']}={STANDINS / 'actions__setup-python'}" in flags


ALL_STANDINS = """
on: push
permissions: {}
jobs:
  all:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          ref: ${{ github.event.before }}
      - run: test ! -f second.txt
      - id: uv
        uses: astral-sh/setup-uv@c18668ad3cf93ea998bef934396af7bb5c839dc7 # v10.2.0
        with:
          enable-cache: true
      - id: cache
        uses: actions/cache@55cc8345863c7cc4c66a329aec7e433d2d1c52a9 # v6.1.0
        with:
          path: ~/.cache/x
          key: k1
      - uses: actions/cache/save@55cc8345863c7cc4c66a329aec7e433d2d1c52a9 # v6.1.0
        with:
          path: ~/.cache/x
          key: k1
      - uses: iterative/setup-cml@0000000000000000000000000000000000000000 # unverified
        with:
          vega: false
      - uses: docker/setup-buildx-action@f87e5991a6d7451dcb8d9637bfbc97413f497069 # v4.4.1
      - uses: docker/login-action@dbcb813823bdd20940b903addbd779551569679f # v4.6.0
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - id: meta
        uses: docker/metadata-action@dc802804100637a589fabce1cb79ff13a1411302 # v6.2.0
        with:
          images: ghcr.io/acme/tabml-demo
          tags: |
            type=sha
            type=ref,event=branch
      - id: build
        uses: docker/build-push-action@c3c9e263c25d99ce0380d002d59b67737d91b0dc # v7.4.0
        with:
          push: true
          tags: ${{ steps.meta.outputs.tags }}
      - run: echo model > model.skops
      - id: attest
        uses: actions/attest-build-provenance@4d101475d8b20a2381f78447822ac1eab6504dd8 # v4.2.2
        with:
          subject-path: model.skops
      - env:
          UV: ${{ steps.uv.outputs.uv-version }}
          HIT: ${{ steps.cache.outputs.cache-hit }}
          DIGEST: ${{ steps.build.outputs.digest }}
          BUNDLE: ${{ steps.attest.outputs.bundle-path }}
        run: |
          echo "uv=$UV hit=$HIT digest=$DIGEST cml=$(command -v cml)"
          test -s "$BUNDLE" && cml --version
"""


@pytest.mark.slow
def test_every_standin_runs_under_act(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "src", ALL_STANDINS)
    before = _head(repo)
    (repo / "second.txt").write_text("2", encoding="utf-8")
    commit_all(repo, "second")
    payload = {"before": before, "after": _head(repo), "ref": "refs/heads/main"}
    result = run_act(repo, ".github/workflows/wf.yml", "push", payload, tmp=tmp_path / "act")
    result.check()
    assert re.search(
        r"uv=\d+\.\d+\.\d+ hit=false digest=sha256:[0-9a-f]{64} cml=\S+/bin/cml", result.output
    )
    (login,) = result.records("docker/login-action")
    wanted = {"registry": "ghcr.io", "username": "octocat", "password": "<set>"}
    assert wanted.items() <= login["inputs"].items()
    (meta,) = result.records("docker/metadata-action")
    assert meta["tags"] == [
        f"ghcr.io/acme/tabml-demo:sha-{_head(repo)[:7]}",
        "ghcr.io/acme/tabml-demo:main",
    ]
    (build,) = result.records("docker/build-push-action")
    assert build["inputs"]["tags"].splitlines() == meta["tags"]
    (attest,) = result.records("actions/attest-build-provenance")
    assert attest["subjects"] == {"model.skops": hashlib.sha256(b"model\n").hexdigest()}
    assert result.cml_calls() == [["--version"]]


def _head(repo: Path) -> str:
    """HEAD commit of ``repo``."""
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
