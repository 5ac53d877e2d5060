"""The command-line tools this environment installed (dvc), run from this environment.

DVC runs each stage's `tabml ...` command with the caller's PATH, so a `dvc` started by a
`tabml` command that was itself started without the venv on PATH (`.venv/bin/tabml sweep run`)
would fail with "tabml: command not found". Running `python -m dvc` with this interpreter's
`bin/` first on PATH makes every nested tool the one this environment installed.
"""

from __future__ import annotations

import os
import sys
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
