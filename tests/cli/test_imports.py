"""Each command imports only what it needs (issue 12 §3): a fresh interpreter runs the command
as `tabml` would, then lists `sys.modules`. `--help` loads Typer and Rich only; a stage loads no
server, registry, report or GitHub code, and models only where it fits or reads one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import tool_env, write_small_project

# Runs `tabml ARGS...` in this interpreter and, at exit, writes the sorted module names to OUT.
PROBE = """
import atexit, json, sys
out, args = sys.argv[1], sys.argv[2:]
def dump() -> None:
    with open(out, "w") as handle:
        json.dump(sorted(sys.modules), handle)
atexit.register(dump)
from tabml.cli import app
if args[:1] == ["--every-help"]:
    for line in args[1:]:
        try:
            app([*line.split(), "--help"], prog_name="tabml")
        except SystemExit as done:
            assert done.code == 0, (line, done.code)
else:
    app(args, prog_name="tabml")
"""
HEAVY = (
    *("pandas", "numpy", "pyarrow", "scipy", "sklearn", "skops", "pandera", "pydantic", "yaml"),
    *("fastapi", "starlette", "uvicorn", "prometheus_client", "gto", "dvc"),
)
# Rooms that no pipeline stage needs: the report, the server, releases, retraining, sweeps,
# monitoring, the scaffolder, and the outside world (git, GitHub, the Actions runner).
NOT_FOR_STAGES = (
    *("fastapi", "starlette", "uvicorn", "prometheus_client", "gto", "dvc"),
    *("tabml.compare", "tabml.serve", "tabml.platform", "tabml.release", "tabml.retrain"),
    *("tabml.sweep", "tabml.monitor", "tabml.scaffold"),
)
MODELS = ("skops", "sklearn.ensemble", "sklearn.linear_model")
COMMANDS = (
    *("", "validate", "prepare", "featurize", "train", "evaluate", "check-params"),
    *("contract", "contract check", "contract infer", "serve", "init"),
    *("report", "report gate", "report verify", "gate", "verify-report"),
    *("monitor", "monitor batches", "monitor issue", "batches", "drift-issue"),
    *("release", "release register", "release check-tag", "release assets", "release smoke"),
    *("retrain", "retrain build", "retrain report", "retrain publish"),
    *("sweep", "sweep run", "sweep matrix", "sweep aggregate", "sweep comment"),
)


def imported(cwd: Path, *args: str) -> list[str]:
    """The modules loaded by `tabml ARGS` in a fresh interpreter, run in `cwd`."""
    out = cwd / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        cwd=cwd,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    names: list[str] = json.loads(out.read_text())
    return names


SITE_HOOKS = {"sitecustomize", "usercustomize"}
# Dev dependencies that a library imports only because it finds them installed: pandas loads
# zstandard when it writes a CSV. An install from the lock without the dev group has none.
DEV_ONLY = {"zstandard"}


def found(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    """The modules of `packages` (a package or any of its submodules) among `modules`."""
    return [m for m in modules if any(m == p or m.startswith(f"{p}.") for p in packages)]


def tabml_rooms(modules: list[str]) -> list[str]:
    """tabml's modules outside the command line itself."""
    return [m for m in modules if m.split(".")[0] == "tabml" and not m.startswith("tabml.cli")]


def third_party(modules: list[str]) -> set[str]:
    """Top-level packages that are neither the standard library nor tabml.

    `sitecustomize` and `usercustomize` are the interpreter's own site hooks (Debian's python3
    ships a sitecustomize), loaded before any command, so they are not the command's imports;
    nor are the `DEV_ONLY` packages that only the test venv has."""
    tops = {m.split(".")[0] for m in modules} - SITE_HOOKS - DEV_ONLY
    return {t for t in tops - set(sys.stdlib_module_names) if t != "tabml" and t[0] != "_"}


def test_tabml_help_loads_typer_and_rich_only(tmp_path: Path) -> None:
    modules = imported(tmp_path, "--help")
    assert found(modules, HEAVY) == []
    assert tabml_rooms(modules) == ["tabml", "tabml.errors", "tabml.paths"]
    assert len(third_party(modules)) <= 8, sorted(third_party(modules))  # typer, rich and theirs


def test_help_of_every_command_loads_no_room(tmp_path: Path) -> None:
    """Typer itself loads pydantic to convert a command's options; nothing else heavy loads."""
    modules = imported(tmp_path, "--every-help", *COMMANDS)
    assert found(modules, tuple(p for p in HEAVY if p != "pydantic")) == []
    assert tabml_rooms(modules) == ["tabml", "tabml.errors", "tabml.paths"]


@pytest.fixture(scope="module")
def stage_imports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The modules of each stage, run in order on a small project."""
    root = tmp_path_factory.mktemp("stages")
    write_small_project(root)
    stages = ("validate", "prepare", "featurize", "train", "evaluate")
    return {stage: imported(root, stage) for stage in stages}


# stage: (forbidden on top of NOT_FOR_STAGES, tabml modules, third-party packages) at most.
# tabml modules: `config` is a package of three (sections, operations, Params); `frames` (text
# as categoricals) comes with `io` and `prepare`, `split` with `prepare`; train adds `progress`,
# evaluate the plot tables and the baseline. Only validate and prepare read the raw table, so
# only they load the contract (pandera); only the stages that touch a model load scikit-learn.
NO_MODELS = ("sklearn", "scipy", *MODELS)
NO_CONTRACT = ("pandera", "tabml.contract")
BUDGETS = {
    "validate": (NO_MODELS, 15, 22),
    "prepare": (NO_MODELS, 14, 22),
    "featurize": (NO_CONTRACT, 12, 30),
    "train": (NO_CONTRACT, 15, 30),
    "evaluate": (NO_CONTRACT, 16, 30),
}


@pytest.mark.slow  # runs all five stages in fresh interpreters (about 15 s of CPU)
@pytest.mark.parametrize("stage", list(BUDGETS))
def test_a_stage_imports_within_its_budget(stage_imports: dict[str, list[str]], stage: str) -> None:
    forbidden, rooms, packages = BUDGETS[stage]
    modules = stage_imports[stage]
    assert found(modules, (*NOT_FOR_STAGES, *forbidden)) == []
    assert len(tabml_rooms(modules)) <= rooms, tabml_rooms(modules)
    assert len(third_party(modules)) <= packages, sorted(third_party(modules))


@pytest.mark.slow  # shares the five stage runs above
def test_only_the_stages_that_fit_or_read_a_model_load_the_models(
    stage_imports: dict[str, list[str]],
) -> None:
    """prepare splits with numpy (stages/split.py); featurize, train and evaluate need both."""
    for stage in ("featurize", "train", "evaluate"):
        assert found(stage_imports[stage], ("sklearn", "skops")), stage
