"""The PR-report loop under act: one reproduced repository with a pull request, and the runs of
``pr-report.yml`` on its two pushes, shared by ``test_pr_report_workflow.py`` and
``test_pr_comment_under_act.py`` (built once per session: each run costs about a minute).

The repository (origin ``acme/tabml-demo``) has ``main``, the template with ``dvc repro`` run and
committed, and branch ``feature`` (PR #7) with two pushes:

1. ``train.hist_gradient_boosting.learning_rate`` 0.1 -> 0.05, ``dvc repro`` re-run and the lock
   committed: the gate passes;
2. ``report.gate.floors.roc_auc: 0.99`` on top: the gate fails.

Both pushes also carry a **canary**, code that only PR code contains: a line of the Makefile that
runs whenever ``make`` reads it, and a few lines in ``tabml/__init__.py`` that run on import.
Each appends to the file named by ``$TABML_CANARY`` (a per-run file ``run_act`` passes to the
job), so a run that executes PR code leaves a trace. The report runs must leave one (they run PR
code by design: this proves the canary works); the comment runs must not.

One shortcut, for time only: the act jobs get ``UV=<wrapper>`` (the Makefile's uv), which runs
``uv`` with ``--no-compile-bytecode`` instead of ``--compile-bytecode``. Compiling the venv's
bytecode takes ~37 of the ~40 s of ``make setup`` here (more under load) and changes nothing
that the tests look at.
"""

from __future__ import annotations

import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import project_uv, run
from tests.workflows.act import ActResult, run_act
from tests.workflows.git_repos import DEFAULT_ORIGIN, commit_all
from tests.workflows.github_emulator import GitHubEmulator
from tests.workflows.github_rest import Request

REPO = "acme/tabml-demo"
PR = 7
BRANCH = "feature"
ARTIFACT = "pr-report"
REPORT_WORKFLOW = ".github/workflows/pr-report.yml"
COMMENT_WORKFLOW = ".github/workflows/pr-comment.yml"
LEARNING_RATE = ("train", "hist_gradient_boosting", "learning_rate")
MAKEFILE_CANARY = (
    "\n# test canary (PR code only): runs whenever make reads this Makefile\n"
    '$(if $(TABML_CANARY),$(shell echo make >> "$(TABML_CANARY)"))\n'
)
PYTHON_CANARY = (
    "\n# test canary (PR code only): runs whenever this package is imported\n"
    "import os as _os\n\n"
    'if _os.environ.get("TABML_CANARY"):\n'
    '    with open(_os.environ["TABML_CANARY"], "a") as _canary:  # noqa: PTH123\n'
    '        _canary.write("python\\n")\n'
)
UV_WRAPPER = """#!/bin/sh
# tests only: `uv` with --no-compile-bytecode for --compile-bytecode (see pr_loop.py)
for arg do
  shift
  if [ "$arg" = --compile-bytecode ]; then set -- "$@" --no-compile-bytecode
  else set -- "$@" "$arg"; fi
done
exec "{uv}" "$@"
"""


@dataclass
class RunRecord:
    """One act run, the API calls it made, and what its canary caught."""

    result: ActResult
    requests: list[Request]
    canary: list[str]


@dataclass
class PrLoop:
    """The repository, its commits, the shared act directory and the report runs."""

    repo: Path
    act_tmp: Path
    main_sha: str
    pushes: list[str]
    uv: Path
    reports: dict[int, RunRecord] = field(default_factory=dict)

    def job_env(self, run_id: int) -> dict[str, str]:
        """The job environment a run gets: the uv wrapper and its own canary file."""
        return {"UV": str(self.uv), "TABML_CANARY": str(self.canary_file(run_id))}

    def canary_file(self, run_id: int) -> Path:
        """Where PR code would leave its trace during run ``run_id``."""
        return self.act_tmp / "canary" / str(run_id)

    def caught(self, run_id: int) -> list[str]:
        """The canary's lines for run ``run_id`` (empty when no PR code ran)."""
        path = self.canary_file(run_id)
        return path.read_text(encoding="utf-8").split() if path.exists() else []

    def run(
        self, workflow: str, event: str, payload: dict[str, Any], run_id: int, api: GitHubEmulator
    ) -> RunRecord:
        """Run ``workflow`` under act in the repository (checked out at ``main``)."""
        self.canary_file(run_id).parent.mkdir(parents=True, exist_ok=True)
        before = len(api.requests)
        result = run_act(
            self.repo,
            workflow,
            event,
            payload,
            tmp=self.act_tmp,
            api=api,
            run_id=run_id,
            env=self.job_env(run_id),
        )
        (self.act_tmp / f"act-{run_id}.log").write_text(result.output, encoding="utf-8")
        return RunRecord(result, api.requests[before:], self.caught(run_id))

    def report(self, push: int) -> RunRecord:
        """The report run for push 1 or 2 (run id 100 + push), run once."""
        if push not in self.reports:
            with GitHubEmulator() as api:
                self.reports[push] = self.run(
                    REPORT_WORKFLOW, "pull_request", self.pr_event(push), 100 + push, api
                )
        return self.reports[push]

    def pr_event(self, push: int) -> dict[str, Any]:
        """A ``pull_request`` (synchronize) payload for PR #7 at push 1 or 2."""
        repository = {"full_name": REPO, "default_branch": "main"}
        return {
            "action": "synchronize",
            "number": PR,
            "pull_request": {
                "number": PR,
                "head": {"sha": self.pushes[push - 1], "ref": BRANCH, "repo": repository},
                "base": {"sha": self.main_sha, "ref": "main", "repo": repository},
            },
            "repository": repository,
        }

    def workflow_run_event(self, push: int, conclusion: str) -> dict[str, Any]:
        """A ``workflow_run`` (completed) payload for the report run of push 1 or 2."""
        repository = {"full_name": REPO, "default_branch": "main"}
        return {
            "action": "completed",
            "workflow_run": {
                "id": 100 + push,
                "name": "PR report",
                "event": "pull_request",
                "status": "completed",
                "conclusion": conclusion,
                "head_sha": self.pushes[push - 1],
                "head_branch": BRANCH,
                "head_repository": repository,
                "pull_requests": [{"number": PR}],
            },
            "repository": repository,
        }


_LOOPS: dict[Path, PrLoop] = {}


def pr_loop(reproduced_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> PrLoop:
    """The shared loop for this session (built on the first call)."""
    if reproduced_repo not in _LOOPS:
        _LOOPS[reproduced_repo] = build_loop(reproduced_repo, tmp_path_factory.mktemp("pr-loop"))
    return _LOOPS[reproduced_repo]


def build_loop(reproduced_repo: Path, root: Path) -> PrLoop:
    """Copy the reproduced repository into ``root`` and make main and the PR's two pushes
    (public for bench/act_setup.py, which times the report run)."""
    repo = root / "repo"
    shutil.copytree(reproduced_repo, repo, symlinks=True)
    run(["git", "remote", "add", "origin", DEFAULT_ORIGIN], repo)
    main_sha = commit_all(repo, "main: the template, reproduced")

    run(["git", "checkout", "--quiet", "-b", BRANCH], repo)
    params = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    section, model, key = LEARNING_RATE
    params[section][model][key] = 0.05
    _write_params(repo, params)
    with (repo / "Makefile").open("a", encoding="utf-8") as handle:
        handle.write(MAKEFILE_CANARY)
    with (repo / "src" / "tabml" / "__init__.py").open("a", encoding="utf-8") as handle:
        handle.write(PYTHON_CANARY)
    run(["dvc", "repro"], repo)
    first = commit_all(repo, "PR: learning_rate 0.05, dvc repro")

    params["report"]["gate"]["floors"]["roc_auc"] = 0.99
    _write_params(repo, params)
    run(["dvc", "repro"], repo)  # report params are no stage's dependency: nothing reruns
    second = commit_all(repo, "PR: roc_auc floor 0.99")
    run(["git", "checkout", "--quiet", "main"], repo)

    real_uv = project_uv()
    uv = root / "uv"
    uv.write_text(UV_WRAPPER.format(uv=real_uv), encoding="utf-8")
    uv.chmod(uv.stat().st_mode | stat.S_IXUSR)
    return PrLoop(repo, root / "act", main_sha, [first, second], uv)


def _write_params(repo: Path, params: dict[str, Any]) -> None:
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
