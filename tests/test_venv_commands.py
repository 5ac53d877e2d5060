"""`dvc` typed by hand, with a PATH that lacks the project's venv (nothing activated).

DVC runs each stage's `cmd` (`tabml validate`, `tabml prepare`, ...) through a shell with the
caller's PATH, so `.venv/bin/dvc repro` alone cannot find `tabml`. The docs therefore write
`uv run dvc ...` (uv puts the venv's bin first on PATH) or activate the venv first; these tests run
exactly those commands on the real dvc.yaml of a small project. The venv is the test session's
own and is shared: uv is told never to sync or change it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import BIN, ROOT, project_uv, run, tool_env, write_small_project

pytestmark = pytest.mark.slow  # real `dvc repro` and `dvc exp run` (about 20 s)
VENV = Path(sys.prefix)
BARE_PATH = os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin") if Path(p).is_dir())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git + DVC project with the real dvc.yaml and a `.venv` that is this session's venv.

    It has no pyproject.toml, so `uv run` uses that `.venv` as it is (no project to sync)."""
    root = tmp_path / "project"
    root.mkdir()
    write_small_project(root)
    shutil.copy(ROOT / "dvc.yaml", root / "dvc.yaml")
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    for dep in {d for stage in stages for d in stage["deps"] if d.startswith("src/")}:
        (root / dep).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / dep, root / dep)
    (root / ".venv").symlink_to(VENV, target_is_directory=True)
    (root / ".gitignore").write_text(".venv\n")
    run(["git", "init", "-q", "-b", "main"], root)
    run(["dvc", "init", "-q"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", "small project"], root)
    return root


def typed(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command as a person types it in a shell whose PATH has no venv on it."""
    env = tool_env(PATH=BARE_PATH, UV_NO_SYNC="1", UV_OFFLINE="1", UV_PYTHON_DOWNLOADS="never")
    env.pop("VIRTUAL_ENV", None)
    assert subprocess.run(["sh", "-c", "command -v tabml"], env=env, check=False).returncode
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_venv_dvc_alone_cannot_find_tabml(project: Path) -> None:
    """Why the docs never write `.venv/bin/dvc repro`: the stage's `tabml` is not on PATH."""
    for command in (".venv/bin/dvc repro validate", ".venv/bin/dvc exp run validate"):
        done = typed(command, project)
        output = done.stdout + done.stderr
        assert done.returncode != 0, output
        assert "tabml: command not found" in output or "tabml: not found" in output, output
    assert not (project / "data/validated.json").exists()


@pytest.mark.parametrize(
    "command",
    [
        "uv run dvc repro validate",
        "uv run dvc exp run validate",
        "source .venv/bin/activate && dvc repro validate",
    ],
)
def test_the_documented_commands_run_the_stages(project: Path, command: str) -> None:
    uv = project_uv()  # the venv's own uv, as `make setup` installs it; not on the bare PATH
    done = typed(command.replace("uv run", f"{uv} run", 1), project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Running stage 'validate'" in done.stdout + done.stderr
    if "exp run" in command:  # the experiment ran; the workspace got its outputs
        shown = run([str(BIN / "dvc"), "exp", "list", "--name-only"], project).stdout
        assert shown.strip(), "dvc exp run recorded no experiment"
    assert (project / "data/validated.json").is_file()
