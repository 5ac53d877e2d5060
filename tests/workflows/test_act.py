"""``run_act`` end to end (slow): a two-job workflow with outputs, artifacts, the cml stand-in and
the emulator, host tokens kept out; failures reported, and artifacts shared across runs."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from tests.workflows.act import FAKE_TOKEN, run_act
from tests.workflows.git_repos import commit_all
from tests.workflows.github_emulator import GitHubEmulator
from tests.workflows.harness_inputs import HEAD_SHA, PINS, PR_EVENT, make_repo

E2E_WORKFLOW = f"""
name: e2e
on: pull_request
permissions: {{}}
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      python: ${{{{ steps.py.outputs.python-version }}}}
    steps:
      - uses: {PINS["checkout"]} # v7.0.1
      - id: py
        uses: {PINS["setup-python"]} # v7.0.0
        with:
          python-version: "3"
      - run: |
          mkdir -p out/plots
          python -c "import json; json.dump({{'acc': 0.9}}, open('out/metrics.json', 'w'))"
          echo png > out/plots/roc.png
          echo "repo=$GITHUB_REPOSITORY token=${{GITHUB_TOKEN:-none}} gh=${{GH_TOKEN:-none}}"
      - uses: {PINS["upload"]} # v7.0.2
        with:
          name: metrics
          path: out/
          if-no-files-found: error
  report:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: {PINS["download"]} # v8.0.2
        with:
          name: metrics
          path: got
      - env:
          REPO_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
          PY: ${{{{ needs.build.outputs.python }}}}
          PR: ${{{{ github.event.number }}}}
        run: |
          test -f got/plots/roc.png
          echo "python $PY" > report.md && cat got/metrics.json >> report.md
          cml comment update --target=pr/$PR --watermark-title=e2e report.md
"""


@pytest.mark.slow
def test_run_act_end_to_end(
    tmp_path: Path, emulator: GitHubEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "leaked-from-host")
    monkeypatch.setenv("GH_TOKEN", "leaked-from-host")
    repo = make_repo(tmp_path / "src", E2E_WORKFLOW)
    result = run_act(
        repo,
        ".github/workflows/wf.yml",
        "pull_request",
        PR_EVENT,
        tmp=tmp_path / "act",
        api=emulator,
    )
    result.check()
    assert "repo=acme/tabml-demo token=none gh=none" in result.output
    assert "leaked-from-host" not in result.output and FAKE_TOKEN not in result.output
    assert json.loads((result.artifact("metrics") / "metrics.json").read_text()) == {"acc": 0.9}
    assert result.records("actions/upload-artifact")[0]["files"] == [
        "metrics.json",
        "plots/roc.png",
    ]
    assert result.cml_calls() == [
        ["comment", "update", "--target=pr/7", "--watermark-title=e2e", "report.md"]
    ]
    (posted,) = emulator.calls("POST", "/issues/7/comments")
    assert posted.token_present and '"CML watermark e2e"' in posted.json["body"]
    assert posted.json["body"].startswith(f"python {sys.version_info.major}.")


@pytest.mark.slow
def test_run_act_reports_failures_and_shares_artifacts_across_runs(tmp_path: Path) -> None:
    upload = f"""
    on: pull_request
    jobs:
      a:
        runs-on: ubuntu-latest
        steps:
          - run: mkdir -p out && echo 1 > out/model.txt
          - uses: {PINS["upload"]} # v7.0.2
            with:
              name: model
              path: ${{{{ github.head_ref == 'broken' && 'missing/' || 'out/model.txt' }}}}
              if-no-files-found: error
    """
    repo = make_repo(tmp_path / "src", upload)
    broken = {
        **PR_EVENT,
        "pull_request": {**PR_EVENT["pull_request"], "head": {"sha": HEAD_SHA, "ref": "broken"}},
    }
    failed = run_act(
        repo, ".github/workflows/wf.yml", "pull_request", broken, tmp=tmp_path / "act", run_id=40
    )
    assert not failed.ok and "No files were found" in failed.output
    run_act(
        repo, ".github/workflows/wf.yml", "pull_request", PR_EVENT, tmp=tmp_path / "act", run_id=41
    ).check()

    (repo / ".github" / "workflows" / "wf.yml").write_text(
        textwrap.dedent(f"""
        on: workflow_run
        jobs:
          b:
            runs-on: ubuntu-latest
            steps:
              - uses: {PINS["download"]} # v8.0.2
                with:
                  name: model
                  run-id: ${{{{ github.event.workflow_run.id }}}}
                  github-token: ${{{{ github.token }}}}
              - run: test "$(cat model.txt)" = 1
        """),
        encoding="utf-8",
    )
    commit_all(repo, "workflow_run consumer")
    payload = {"workflow_run": {"id": 41, "conclusion": "success", "head_sha": HEAD_SHA}}
    run_act(
        repo, ".github/workflows/wf.yml", "workflow_run", payload, tmp=tmp_path / "act", run_id=42
    ).check()
