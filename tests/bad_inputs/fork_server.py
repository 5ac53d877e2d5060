"""The fork server that runs the CLI cases, and the outcome of each: exit code, output, and the
digests of its files before and after."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bad_inputs.cli_cases import Cli
from tests.bad_inputs.corpus import case_id, digests
from tests.support import BIN, tool_env


@dataclass(frozen=True)
class Outcome:
    """What one CLI case did: exit code, output, and the digests of its files around the run."""

    code: int
    stdout: str
    stderr: str
    before: dict[str, str]
    after: dict[str, str]


# Each case is a process of its own running the `tabml` entry point (tabml.cli:app) with its own
# working directory, environment, stdout, stderr and exit code. Starting Python and importing
# tabml costs about a second of CPU, fifty times over, so a server process imports once and forks
# a child per case; the child runs the command and exits, and an alarm ends one that hangs (a
# server that should not have started). One server: a second would cost its import again (about
# 3 s of CPU) to overlap cases of a tenth of a second each, on cores that `make test`'s other
# workers keep busy. The HTTP cases' `tabml serve` is a child too, left running ("detach": its
# pid is the answer), ended with SIGTERM and reaped when the fork server's input closes.
FORK_SERVER = """
import json, os, signal, sys, traceback
from tabml.cli import app
import skops.io
import tabml.model_types
import tabml.serve.app
import tabml.stages.validate
detached = []
for line in sys.stdin:
    case = json.loads(line)
    if (pid := os.fork()) == 0:
        code = 1
        try:
            signal.alarm(0 if case.get("detach") else 60)
            os.chdir(case["cwd"])
            os.environ.update(case["env"])
            for fd, name in ((1, "out"), (2, "err")):
                os.dup2(os.open(case[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            sys.argv = ["tabml", *case["args"]]
            try:
                app()
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    if case.get("detach"):
        detached.append(pid)
        print(pid, flush=True)
    else:
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
for pid in detached:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
"""
# A token, and an API that refuses connections: no case may get as far as calling GitHub.
GITHUB = {"GITHUB_TOKEN": "t", "GITHUB_API_URL": "http://127.0.0.1:9"}


class ForkServer:
    """FORK_SERVER in a process of its own: one job a line in, one number a line out."""

    def __init__(self) -> None:
        command = [str(BIN / "python"), "-c", FORK_SERVER]
        pipes: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
        self.process = subprocess.Popen(command, env=tool_env(), text=True, **pipes)

    def ask(self, job: dict[str, Any]) -> int:
        """Send a job; its exit code, or the pid of a detached one."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the fork server stopped ({self.process.poll()})"
        return int(answer)

    def close(self) -> None:
        """End input: the server ends its detached children, reaps them and exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


def run_cases(cases: list[Cli], good: Path, where: Path, server: ForkServer) -> dict[str, Outcome]:
    """Copy the good project for each case, apply its edit, run its command; collect outcomes."""
    jobs, before = [], {}
    for case in cases:
        shutil.copytree(good, root := where / case_id(case))
        case.edit(root)
        before[case.id] = digests(root)
        env = {"GITHUB_OUTPUT": str(root / "github-output"), **GITHUB}
        out, err = (str(where / f"{case_id(case)}.{name}") for name in ("out", "err"))
        jobs.append({"cwd": str(root), "env": env, "args": case.args, "out": out, "err": err})
    outcomes = {}
    for case, code in zip(cases, map(server.ask, jobs), strict=True):
        out, err = (where.joinpath(f"{case_id(case)}.{n}").read_text() for n in ("out", "err"))
        after = digests(where / case_id(case))
        outcomes[case.id] = Outcome(int(code), out, err, before[case.id], after)
    return outcomes
