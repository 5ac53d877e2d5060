"""Calls of the actions/cache stand-in's helper (standins/_lib/cache.py) as its steps make them:
a subprocess with ``INPUT_*`` and ``STATE_*`` variables in a workspace, with what it wrote to
``GITHUB_OUTPUT`` and ``GITHUB_STATE`` read back; and small workspaces to cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.workflows.standin_map import STANDINS

HELPER = STANDINS / "_lib" / "cache.py"
VENV_KEY = "venv-Linux-py3.11-abc"


def parse_file(path: Path) -> dict[str, str]:
    """``GITHUB_OUTPUT``/``GITHUB_STATE`` entries (``name=value`` or heredoc form)."""
    found: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    while lines:
        line = lines.pop(0)
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, marker = line.split("<<", 1)
            end = lines.index(marker)
            found[name], lines = "\n".join(lines[:end]), lines[end + 1 :]
        else:
            name, _, value = line.partition("=")
            found[name] = value
    return found


class Step:
    """One call of the helper in a workspace; ``outputs`` and ``state`` are what it wrote."""

    def __init__(self, tmp: Path, workspace: Path, store: Path | None, **inputs: str) -> None:
        self.tmp, self.workspace, self.store, self.inputs = tmp, workspace, store, inputs
        self.state_in: dict[str, str] = {}
        self.outputs: dict[str, str] = {}
        self.state: dict[str, str] = {}
        self.stdout = ""

    def run(self, command: str, action: str = "actions/cache") -> subprocess.CompletedProcess[str]:
        files = {name: self.tmp / f"{name}-{len(list(self.tmp.glob('*')))}" for name in ("o", "s")}
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "ACT_", "STATE_"))
        }
        env |= {f"INPUT_{k.upper()}": v for k, v in self.inputs.items()}
        env |= {f"STATE_{k}": v for k, v in self.state_in.items()}
        env |= {
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_OUTPUT": str(files["o"]),
            "GITHUB_STATE": str(files["s"]),
            "ACT_STANDIN_RECORDS": str(self.tmp / "records"),
            **({"ACT_STANDIN_CACHE_DIR": str(self.store)} if self.store else {}),
        }
        done = subprocess.run(
            [sys.executable, str(HELPER), command, action],
            env=env,
            cwd=self.workspace,
            capture_output=True,
            text=True,
            check=False,
        )
        self.stdout = done.stdout
        self.outputs, self.state = parse_file(files["o"]), parse_file(files["s"])
        return done

    def restore(self) -> Step:
        assert self.run("restore").returncode == 0, self.stdout
        return self

    def save(self) -> Step:
        """The post step: it gets the state that the restore saved."""
        self.state_in = self.state
        assert self.run("save").returncode == 0, self.stdout
        return self


def venv(workspace: Path, marker: str = "1") -> Path:
    """A small `.venv`: a script whose shebang holds the workspace's path, and a binary file."""
    bin_dir = workspace / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "dvc").write_text(f"#!{workspace}/.venv/bin/python\nprint({marker})\n")
    (bin_dir / "blob.pyc").write_bytes(b"\0" + str(workspace).encode() + b"\0")
    return workspace


def save_entry(tmp: Path, store: Path, key: str, marker: str, path: str = ".venv") -> Path:
    """A workspace with a `.venv`, a miss on ``key``, then the post step's save."""
    workspace = venv(tmp / f"ws-{key}-{marker}", marker)
    step = Step(tmp, workspace, store, path=path, key=key).restore()
    assert "cache-hit" not in step.outputs
    step.save()
    assert f"Cache saved with key: {key}" in step.stdout
    return workspace
