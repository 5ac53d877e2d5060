"""Posting a sweep's ranked table on its pull request, against the loopback GitHub emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tabml.errors import TabmlError
from tabml.sweep.comment import post_table
from tests.workflows.github_emulator import GitHubEmulator

REPO = "acme/demo"


def test_the_table_is_posted_as_it_is_on_the_pull_request(
    github: GitHubEmulator, tmp_path: Path
) -> None:
    table = tmp_path / "sweep.md"
    table.write_text("| rank | run |\n|---|---|\n| 1 | lr=0.1 |\n", encoding="utf-8")
    url = post_table(REPO, 7, table)
    (comment,) = github.repo(REPO).comments.values()
    assert comment["issue_number"] == 7 and comment["body"] == table.read_text()
    assert url == comment["html_url"]


def test_a_missing_table_is_refused_before_any_call(github: GitHubEmulator, tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match=r"sweep.md: file not found; run `tabml sweep aggregate`"):
        post_table(REPO, 7, tmp_path / "sweep.md")
    assert github.requests == []
