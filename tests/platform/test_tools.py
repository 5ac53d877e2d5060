"""Tools installed in this environment run from it, whatever PATH the caller had."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tabml.platform import tools


def test_the_venv_bin_comes_first_and_extras_are_added(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin")
    env = tools.tool_env(PYTHONPATH="src")
    assert env["PATH"].split(os.pathsep)[:2] == [str(Path(sys.executable).parent), "/usr/bin"]
    assert env["DVC_NO_ANALYTICS"] == "1"
    assert env["PYTHONPATH"] == "src"


def test_dvc_runs_from_this_environment_with_no_dvc_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there: a bare `dvc` would not be found
    done = subprocess.run(
        tools.dvc_command("version"),
        env=tools.tool_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "DVC version" in done.stdout
