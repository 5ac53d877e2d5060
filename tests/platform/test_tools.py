"""Tools installed in this environment run from it, whatever PATH the caller had."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone: it can no longer write anything)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _dies(pid: int, within: float = 10.0) -> bool:
    """True once `pid` is gone, waiting up to `within` seconds: SIGKILL is delivered
    asynchronously, and on a busy machine the killed process may not have run to its end yet
    when `kill` returns. The grandchild sleeps 60 s, so one left alive is still caught."""
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _grandchild_script(tmp_path: Path) -> list[str]:
    """A shell whose child sleeps; the child's pid lands in a file, as git's child would."""
    pid_file = tmp_path / "grandchild.pid"
    return ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"]


def _wait_for_pid(tmp_path: Path) -> int:
    pid_file = tmp_path / "grandchild.pid"
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert time.monotonic() < deadline, "the grandchild never started"
        time.sleep(0.01)
    return int(pid_file.read_text())


def test_a_timeout_kills_the_childs_children_too(tmp_path: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        tools.run(_grandchild_script(tmp_path), tmp_path, timeout=0.5)
    assert _dies(_wait_for_pid(tmp_path)), "the grandchild outlived the timeout"


def test_an_interrupt_kills_the_childs_children_too(tmp_path: Path) -> None:
    def interrupt(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)  # what the CLI's SIGTERM handler does

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(SystemExit):
            tools.run(_grandchild_script(tmp_path), tmp_path)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert _dies(_wait_for_pid(tmp_path)), "the grandchild outlived the interrupt"


def test_a_finished_run_returns_its_output_and_exit_code(tmp_path: Path) -> None:
    done = tools.run(["sh", "-c", "echo out; echo err >&2; exit 3"], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (3, b"out\n", b"err\n")
