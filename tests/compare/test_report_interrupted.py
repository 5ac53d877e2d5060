"""A cancelled GitHub job sends SIGTERM: `tabml report` must leave no worktree and no temp dir."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support import run, tool_env


def _worktrees(repo: Path) -> list[str]:
    listing = run(["git", "worktree", "list", "--porcelain"], repo).stdout
    return [line for line in listing.splitlines() if line.startswith("worktree ")]


@pytest.mark.slow  # reproduces the full pipeline once more on the PR branch
def test_sigterm_mid_report_removes_the_worktree_and_the_temp_dir(
    reproduced_repo: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(reproduced_repo, repo, symlinks=True)
    params = (repo / "params.yaml").read_text().replace("threshold: 0.5", "threshold: 0.45")
    (repo / "params.yaml").write_text(params)
    run(["git", "commit", "-q", "-am", "main: stale lock, so the base is reproduced"], repo)
    run(["git", "checkout", "-q", "-b", "pr"], repo)
    run(["dvc", "repro"], repo)
    run(["git", "commit", "-q", "-am", "pr: reproduced"], repo)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    report = subprocess.Popen(
        ["tabml", "report", "--base", "main", "--out-dir", str(tmp_path / "out")],
        cwd=repo,
        env=tool_env(TMPDIR=str(scratch)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while len(_worktrees(repo)) < 2 and report.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if report.poll() is not None:
        raise AssertionError(
            f"report ended before the worktree existed:\n{report.communicate()[0]}"
        )
    assert len(_worktrees(repo)) == 2, "the base worktree never appeared"
    assert list(scratch.iterdir()), "the report's temp dir never appeared"

    report.send_signal(signal.SIGTERM)
    output, _ = report.communicate(timeout=60)

    assert report.returncode == 128 + signal.SIGTERM, output
    assert len(_worktrees(repo)) == 1, "a git worktree is still registered"
    assert list(scratch.iterdir()) == [], "a temp dir was left behind"
    assert "Traceback" not in output
