"""bench/install.py and bench/install_choice.py: the choice between the install options, and
the project's own setup read from pyproject.toml, the Makefile and the workflows."""

from __future__ import annotations

from pathlib import Path

import pytest

import install
import install_choice
from install import InstallResult, InstallRun
from install_choice import Setup
from measure import ROOT

UV_WORKFLOW = """\
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: astral-sh/setup-uv@c18668ad3cf93ea998bef934396af7bb5c839dc7 # v10.2.0
        with:
          enable-cache: true
      - run: make setup
"""
VENV_CACHE_STEP = """\
      - uses: actions/cache@55cc8345863c7cc4c66a329aec7e433d2d1c52a9 # v6.1.0
        with:
          path: .venv
          key: venv-${{ hashFiles('uv.lock') }}
"""


def result(**per_option: tuple[float, float, float]) -> InstallResult:
    """One run per option: install, first-import and second-import seconds."""
    runs = {option: [InstallRun(*seconds)] for option, seconds in per_option.items()}
    return InstallResult(120, "26.0", 150.0, [1.5], runs)


# The first import after a plain uv sync compiles (9 s against 3 s); the others do not. The
# cached venv's imports ran on a quieter machine (2 s): its first import is as good as any.
TYPICAL = result(
    uv=(8.0, 9.0, 3.0),
    **{"uv-bytecode": (25.0, 3.3, 3.0), "cached-venv": (4.0, 2.1, 2.0)},
    pip=(60.0, 3.2, 3.1),
)


def test_an_install_that_leaves_compiling_to_the_first_import_does_not_keep_it() -> None:
    keeps = install_choice.keeps_first_import(TYPICAL)
    assert keeps == {"uv": False, "uv-bytecode": True, "cached-venv": True, "pip": True}
    assert install_choice.fastest_keeping(TYPICAL) == "cached-venv"


def test_the_fastest_install_wins_when_its_first_import_is_as_fast() -> None:
    # Without bytecode but a first import as fast (a tiny lock): plain uv is the pick.
    even = result(uv=(8.0, 2.2, 2.0), **{"uv-bytecode": (25.0, 2.0, 2.0)}, pip=(60.0, 2.0, 2.0))
    assert install_choice.fastest_keeping(even) == "uv"


def test_the_summary_row_says_whether_the_project_picks_the_fastest() -> None:
    today = Setup(compile_bytecode=True, caches_venv=False, caches_uv_downloads=True)
    what, measured, target, outcome = install_choice.install_row(TYPICAL, today)
    assert "fastest that keeps first imports" in what
    assert measured == (
        "fastest: cached venv 4.00 s + 2.10 s first import; "
        "the project's: uv with bytecode 25.0 s + 3.30 s first import (6.2x the install)"
    )
    assert (target, outcome) == ("the project's setup (uv with bytecode)", "**not met**")
    cached = Setup(compile_bytecode=True, caches_venv=True, caches_uv_downloads=True)
    assert install_choice.install_row(TYPICAL, cached)[-1] == "met"
    assert install_choice.install_row(None, cached)[-1] == "-"


def test_the_install_table_marks_the_options_that_lose_first_import_time() -> None:
    today = Setup(compile_bytecode=True, caches_venv=False, caches_uv_downloads=True)
    lines = "\n".join(install_choice.install_lines(TYPICAL, today)).splitlines()
    kept = {line.split(" | ")[0]: line.split(" | ")[-1] for line in lines if line.startswith("| `")}
    assert kept["| `uv sync --no-cache --no-compile-bytecode`"] == "**no** |"
    assert kept["| `uv sync --no-cache --compile-bytecode`"] == "yes |"
    assert "The fastest install that keeps it: **cached venv**" in lines[-1]
    assert "do not cache the venv" in lines[-1]


def project(tmp_path: Path, makefile: str, workflow: str, tool_uv: str = "") -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n{tool_uv}")
    (tmp_path / "Makefile").write_text(makefile)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(workflow)
    return tmp_path


def test_read_setup_finds_bytecode_and_the_workflows_caches(tmp_path: Path) -> None:
    plain = project(tmp_path / "a", "setup:\n\tuv sync --frozen\n", UV_WORKFLOW)
    assert install_choice.read_setup(plain) == Setup(False, False, True)
    assert install_choice.read_setup(plain).option == "uv"
    compiled = project(tmp_path / "b", "x:\n", UV_WORKFLOW, "[tool.uv]\ncompile-bytecode = true\n")
    assert install_choice.read_setup(compiled).option == "uv-bytecode"
    by_make = project(tmp_path / "c", "setup:\n\t$(UV) sync --frozen --compile-bytecode\n", "")
    assert install_choice.read_setup(by_make) == Setup(True, False, False)
    cached = project(tmp_path / "d", "x:\n", UV_WORKFLOW + VENV_CACHE_STEP)
    assert install_choice.read_setup(cached).option == "cached-venv"


def test_read_setup_reads_this_repository() -> None:
    # make setup compiles bytecode (the Makefile and [tool.uv]); whatever the workflows cache.
    assert install_choice.read_setup(ROOT).compile_bytecode


def test_installs_fetch_from_pypi_and_write_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_FIND_LINKS", "/opt/wheels")
    monkeypatch.setenv("UV_FIND_LINKS", "/opt/wheels")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = install.install_env(UV_PROJECT_ENVIRONMENT="/tmp/v")
    assert "PIP_FIND_LINKS" not in env and "UV_FIND_LINKS" not in env
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["UV_NO_CONFIG"] == "1" and env["UV_PROJECT_ENVIRONMENT"] == "/tmp/v"


def test_a_cached_venv_round_trips_through_its_archive(tmp_path: Path) -> None:
    import subprocess

    venv = tmp_path / "venv"
    (venv / "lib").mkdir(parents=True)
    (venv / "lib" / "mod.pyc").write_bytes(b"\x00bytecode")
    archive = tmp_path / "venv.tar"
    pack = install.tar_command(archive, "-C", str(tmp_path), "-c", "venv")
    subprocess.run(pack, check=True)
    (venv / "lib" / "mod.pyc").unlink()
    subprocess.run(install.tar_command(archive, "-C", str(tmp_path), "-x"), check=True)
    assert (venv / "lib" / "mod.pyc").read_bytes() == b"\x00bytecode"
