"""The command-line tools this environment installed (dvc), run from this environment.

DVC runs each stage's `tabml ...` command with the caller's PATH, so a `dvc` started by a
`tabml` command that was itself started without the venv on PATH (`.venv/bin/tabml sweep run`)
would fail with "tabml: command not found". Running `python -m dvc` with this interpreter's
`bin/` first on PATH makes every nested tool the one this environment installed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


def tool_env(**extra: str) -> dict[str, str]:
    """This process's environment with the venv's `bin/` first on PATH and DVC analytics off."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env.update(extra)
    return env


def dvc_command(*args: str) -> list[str]:
    """`dvc ARGS` as this interpreter's module, whatever `dvc` PATH would find."""
    return [sys.executable, "-m", "dvc", *args]


def run(
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    capture: bool = True,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run a tool in its own process group, and kill the whole group if this process stops.

    `subprocess.run` kills only its direct child when interrupted (SIGTERM as SystemExit,
    Ctrl-C, a timeout); the child's own children live on. `git worktree add` populates the tree
    in a child git, and `dvc repro` runs each stage as a child: left alive, they write into a
    directory that the interrupted command is removing ("Directory not empty").
    """
    with subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except BaseException:
            _kill_group(process.pid)
            raise
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _kill_group(pgid: int) -> None:
    """SIGKILL every process of a group; quiet when the group is already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
