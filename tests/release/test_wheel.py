"""release/wheel.py: the uv it builds with, and the wheel of HEAD built in a clean worktree, on a
tiny hatchling project of its own (not this repository)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from tabml.errors import TabmlError
from tabml.release.wheel import build_wheel, find_uv
from tests.release.release_repos import commit
from tests.support import project_uv, run

PYPROJECT = """[project]
name = "tiny-pkg"
version = "2.3.4"
requires-python = ">=3.11"

[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/tiny_pkg"]
"""


def tiny_project(root: Path) -> Path:
    """A committed one-module package."""
    (root / "src/tiny_pkg").mkdir(parents=True)
    (root / "src/tiny_pkg/__init__.py").write_text("VALUE = 1\n")
    (root / "pyproject.toml").write_text(PYPROJECT)
    run(["git", "init", "-q", "-b", "main"], root)
    commit(root, "tiny package")
    return root


def test_find_uv_prefers_the_given_one_and_resolves_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_uv("uv") == "uv"  # a bare name is looked up on PATH when it runs
    assert find_uv(".tools/bin/uv") == str(tmp_path / ".tools/bin/uv")


def test_find_uv_defaults_to_the_venvs_own() -> None:
    assert find_uv() == str(Path(sys.executable).parent / "uv") == project_uv()


@pytest.mark.slow  # uv build, twice (about 2 s)
def test_builds_the_wheel_of_head_reproducibly_without_untracked_files(tmp_path: Path) -> None:
    repo = tiny_project(tmp_path / "repo")
    (repo / "src/tiny_pkg/__init__.py").write_text("VALUE = 2  # not committed\n")
    (repo / "src/tiny_pkg/scratch.py").write_text("UNTRACKED = True\n")
    first = build_wheel(tmp_path / "a", root=repo)
    second = build_wheel(tmp_path / "b", uv=project_uv(), root=repo)
    assert first.name == "tiny_pkg-2.3.4-py3-none-any.whl"
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as wheel:
        assert wheel.read("tiny_pkg/__init__.py") == b"VALUE = 1\n"
        assert "tiny_pkg/scratch.py" not in wheel.namelist()
    assert run(["git", "worktree", "list"], repo).stdout.count("\n") == 1, "worktree removed"


@pytest.mark.slow  # uv build (about 1 s)
def test_a_failed_build_is_one_sentence_and_writes_nothing(tmp_path: Path) -> None:
    repo = tiny_project(tmp_path / "repo")
    (repo / "pyproject.toml").write_text(PYPROJECT.replace('version = "2.3.4"', "version = ["))
    commit(repo, "broken pyproject")
    with pytest.raises(TabmlError, match=r"^`uv build --wheel` of HEAD failed \(exit \d+\): "):
        build_wheel(tmp_path / "out", root=repo)
    assert not (tmp_path / "out").exists()


def test_a_missing_uv_is_one_sentence(tmp_path: Path) -> None:
    repo = tiny_project(tmp_path / "repo")
    with pytest.raises(TabmlError, match=r"not found; run `make setup`"):
        build_wheel(tmp_path / "out", uv=str(tmp_path / "no-such-uv"), root=repo)
