"""compare/base.py: the base of a report whose raw table is tracked by DVC (`dvc add`,
docs/scaling.md), not git.

A fresh git worktree of the base has the table's `.dvc` file but not the table. It is checked out
from the shared DVC cache, so the base's committed outputs are trusted when its lock matches,
as for a table in git. A table missing from the cache (a PR that changes it: `make pull` brought
only the PR's version) is fetched from the DVC remote; without a remote that has it, the report
stops with one sentence naming the table (nothing is made up).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tabml.compare.base import resolve_base, tracked_outputs
from tabml.errors import TabmlError
from tests.compare.scenarios import write_loans_repo
from tests.support import run

TABLE = "data/raw/loans.csv"


def test_tracked_outputs_are_the_paths_a_dvc_file_names_beside_it(tmp_path: Path) -> None:
    (tmp_path / "data" / "raw").mkdir(parents=True)
    text = "outs:\n- md5: 0f\n  path: loans.csv\n- path: sub/extra.parquet\n"
    (tmp_path / "data" / "raw" / "loans.csv.dvc").write_text(text, encoding="utf-8")
    assert tracked_outputs(tmp_path, "data/raw/loans.csv.dvc") == [
        tmp_path / "data" / "raw" / "loans.csv",
        tmp_path / "data" / "raw" / "sub" / "extra.parquet",
    ]


@pytest.fixture
def dvc_tracked(tmp_path: Path) -> tuple[Path, str]:
    """A reproduced loans project whose raw table moved from git to DVC; and its commit."""
    repo = write_loans_repo(tmp_path / "repo", rows=600)
    run(["git", "rm", "-q", "--cached", TABLE], repo)
    run(["dvc", "add", "-q", TABLE], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "the raw table in DVC"], repo)
    assert TABLE not in run(["git", "ls-files"], repo).stdout.split()
    assert run(["dvc", "status", "--json"], repo).stdout.strip() == "{}"
    return repo, run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


@pytest.mark.slow  # real git worktrees and dvc
def test_the_base_uses_its_committed_outputs_with_the_table_from_the_cache(
    dvc_tracked: tuple[Path, str], tmp_path: Path
) -> None:
    repo, sha = dvc_tracked
    base = resolve_base(sha, repo, tmp_path / "scratch")
    assert base.source == f"committed outputs at `{sha[:7]}`"
    assert base.lock_status.fresh, base.lock_status.reasons
    assert len(base.outputs.predictions) > 0


@pytest.mark.slow  # real git worktrees and dvc
def test_a_table_missing_from_the_cache_is_fetched_from_the_remote(
    dvc_tracked: tuple[Path, str], tmp_path: Path
) -> None:
    repo, sha = dvc_tracked
    run(["dvc", "remote", "add", "-d", "-q", "storage", str(tmp_path / "remote")], repo)
    run(["git", "commit", "-q", "-am", "a DVC remote"], repo)
    run(["dvc", "push", "-q", f"{TABLE}.dvc"], repo)
    shutil.rmtree(repo / ".dvc" / "cache")
    sha = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    base = resolve_base(sha, repo, tmp_path / "scratch")
    assert base.source == f"committed outputs at `{sha[:7]}`"


@pytest.mark.slow  # real git worktrees and dvc
def test_a_table_in_neither_cache_nor_remote_is_named(
    dvc_tracked: tuple[Path, str], tmp_path: Path
) -> None:
    repo, sha = dvc_tracked
    shutil.rmtree(repo / ".dvc" / "cache")
    with pytest.raises(TabmlError, match=rf"base `{sha[:7]}`: its version of {TABLE} is neither"):
        resolve_base(sha, repo, tmp_path / "scratch")
