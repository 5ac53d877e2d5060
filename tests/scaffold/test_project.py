"""`make init NAME=...` on real repositories (`tabml.scaffold.project`): the guarantees on a small
git repository (refusals, no-op, rollback, a long name that ruff still passes), `tabml init`'s
one sentence, and, marked slow, the whole command on a copy of this repository, whose own
renamed package then runs its tests."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tabml.cli import app
from tabml.errors import TabmlError
from tabml.scaffold.project import init_project
from tests.scaffold.template_names import BADGE, CURRENT, NEW, OLD, UPSTREAM
from tests.support import BIN, copy_repo, run, tool_env

# --- on a small git repository --------------------------------------------------------------


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed one-package project called `demoml` with a CI badge; cwd and git identity."""
    for key, value in tool_env().items():
        if key.startswith("GIT_"):
            monkeypatch.setenv(key, value)
    root = tmp_path / "mini"
    files = {
        "README.md": f"# demoml — a template\n\n{BADGE}\n\nRun `demoml prepare`.\n",
        "pyproject.toml": '[project]\nname = "demoml"\ndescription = "A template."\n',
        "Makefile": "run:\n\tdemoml prepare\n",
        "src/demoml/__init__.py": '"""demoml."""\n',
        "src/demoml/cli.py": "class DemomlError(Exception):\n    pass\n",
        "LICENSE": "Copyright (c) demoml maintainers\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    run(["git", "init", "-q", "-b", "main"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", "template"], root)
    monkeypatch.chdir(root)
    return root


def head(root: Path) -> str:
    return run(["git", "rev-parse", "HEAD"], root).stdout.strip()


def test_a_dirty_work_tree_is_refused(mini: Path) -> None:
    (mini / "notes.txt").write_text("work in progress\n")
    before = head(mini)
    with pytest.raises(TabmlError, match="the work tree has uncommitted changes"):
        init_project(mini, NEW, uv="uv-is-not-called")
    assert head(mini) == before and (mini / "src" / OLD).is_dir()


def test_the_same_name_again_is_a_no_op(mini: Path) -> None:
    before = head(mini)
    result = init_project(mini, OLD, uv="uv-is-not-called")
    assert result.commit is None
    assert result.message == "nothing to do: the package is already called demoml."
    assert head(mini) == before


def test_a_new_repository_alone_repoints_the_badges_in_one_commit(mini: Path) -> None:
    result = init_project(mini, OLD, repo="acme/churn-model", uv="uv-is-not-called")
    assert result.message == "Update the project metadata of demoml for acme/churn-model"
    assert run(["git", "log", "-1", "--format=%s"], mini).stdout.strip() == result.message
    assert BADGE.replace(UPSTREAM, "acme/churn-model") in (mini / "README.md").read_text()
    assert run(["git", "status", "--porcelain"], mini).stdout == ""
    again = init_project(mini, OLD, repo="acme/churn-model", uv="uv-is-not-called")
    assert again.commit is None and "badges point at acme/churn-model" in again.message


def test_a_failing_step_restores_the_last_commit(mini: Path, tmp_path: Path) -> None:
    uv = tmp_path / "uv"
    uv.write_text("#!/bin/sh\necho 'error: no network' >&2\nexit 2\n")
    uv.chmod(0o755)
    before = head(mini)
    with pytest.raises(TabmlError, match=r"^`uv lock` failed \(exit 2\): error: no network$"):
        init_project(mini, NEW, repo="acme/churn-model", uv=str(uv))
    assert head(mini) == before
    assert run(["git", "status", "--porcelain", "--ignored"], mini).stdout == ""
    assert (mini / "src" / OLD / "cli.py").is_file() and not (mini / "src" / NEW).exists()
    assert "demoml prepare" in (mini / "README.md").read_text()


def test_without_a_git_identity_nothing_changes(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    run(["git", "config", "user.useConfigOnly", "true"], mini)
    with pytest.raises(TabmlError, match="git does not know who you are"):
        init_project(mini, NEW, uv="uv-is-not-called")
    assert (mini / "src" / OLD).is_dir()


LONG = "zeta-customer-churn-prediction-model-v2"  # hyphenated, near the 40-character limit
LONG_PACKAGE = LONG.replace("-", "_")
SCAFFOLD_TESTS = (
    "tests/scaffold/test_plan.py",
    "tests/scaffold/test_project.py",
    "tests/scaffold/test_reflow.py",
)


def test_a_long_hyphenated_name_leaves_a_project_that_ruff_passes(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A longer name pushes prose past the line length and moves imports; init tidies both."""
    (mini / "src/demoml/cli.py").write_text(
        '"""The demoml CLI: each subcommand of `demoml`, as `python -m demoml` runs it."""'
        "\n\n\nclass DemomlError(Exception):\n    pass\n"
    )
    (mini / "tests").mkdir()
    (mini / "tests/__init__.py").write_text("")
    (mini / "tests/test_cli.py").write_text(
        "from demoml.cli import DemomlError\nfrom tests import support\n\n"
        "CASES = (DemomlError, support)\n"
    )
    with (mini / "pyproject.toml").open("a") as pyproject:
        pyproject.write(
            '\n[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint]\nselect = ["E", "I"]\n'
        )
    lint = (["ruff", "check", "--no-cache", "."], ["ruff", "format", "--no-cache", "--check", "."])
    assert [run(command, mini, check=False).returncode for command in lint] == [0, 0]
    run(["git", "add", "-A"], mini)
    run(["git", "commit", "-q", "-m", "a command line and a test"], mini)
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("uv", "dvc"):
        (fake / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/calls"\n')
        (fake / tool).chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(fake), str(BIN), os.environ["PATH"]]))
    before = head(mini)

    result = init_project(mini, LONG, uv=str(fake / "uv"))

    assert result.package == LONG_PACKAGE and result.commit is not None
    assert (tmp_path / "calls").read_text().splitlines() == [
        "uv lock",
        "uv sync --frozen",
        "dvc repro",
    ]
    assert tomllib.loads((mini / "pyproject.toml").read_text())["project"]["name"] == LONG
    assert (mini / "README.md").read_text().startswith(f"# {LONG}\n")
    assert f"\t{LONG_PACKAGE} prepare" in (mini / "Makefile").read_text()
    cli = (mini / "src" / LONG_PACKAGE / "cli.py").read_text()
    assert "class ZetaCustomerChurnPredictionModelV2Error(Exception):" in cli
    assert cli.count(LONG_PACKAGE) == 3 and max(len(line) for line in cli.splitlines()) <= 100
    test = (mini / "tests/test_cli.py").read_text()
    assert test.index("from tests import") < test.index(f"from {LONG_PACKAGE}.cli import")
    assert [run(command, mini, check=False).returncode for command in lint] == [0, 0]
    assert run(["git", "rev-parse", "HEAD~1"], mini).stdout.strip() == before
    assert run(["git", "status", "--porcelain", "--ignored"], mini).stdout == ""


def test_the_cli_prints_one_sentence_for_a_bad_name(mini: Path) -> None:
    result = CliRunner().invoke(app, ["init", "--name", "Churn-Model"])
    assert result.exit_code == 1
    assert "NAME 'Churn-Model' is not a usable project name" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


# --- the whole command, on a copy of this repository ----------------------------------------


@pytest.mark.slow
def test_make_init_renames_relocks_reproduces_and_commits(tmp_path: Path) -> None:
    """`make init` with a long hyphenated NAME on a copy: the copy's own venv, renamed CLI,
    pipeline and tests all work, and `make lint` passes (the name moved imports and lines).

    The copy gets its own `.venv` from uv's cache (`make` syncs it, then `init` relocks and
    reinstalls the renamed package), so the renamed project is checked with nothing borrowed
    from this repository's environment.
    """
    repo = copy_repo(tmp_path / "repo")
    readme = repo / "README.md"
    title, rest = readme.read_text().split("\n", 1)
    readme.write_text(f"{title}\n\n{BADGE.replace(UPSTREAM, 'upstream/' + CURRENT)}\n{rest}")
    run(["git", "commit", "-q", "-am", "Add a CI badge"], repo)
    run(["git", "remote", "add", "origin", "git@github.com:acme/churn-model.git"], repo)
    metrics = (repo / "reports" / "metrics.json").read_bytes()
    env = {k: v for k, v in tool_env().items() if not k.startswith(("MAKE", "MFLAGS"))}
    env.pop("UV_PROJECT_ENVIRONMENT", None)

    def make(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["make", *args], cwd=repo, env=env, text=True, capture_output=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    new = LONG_PACKAGE
    out = make("init", f"NAME={LONG}")
    message = f"Initialise {new} from the {CURRENT} template for acme/churn-model"
    assert f": {message}" in out.stderr
    assert f"renamed  src/{CURRENT}/cli/__init__.py -> src/{new}/cli/__init__.py" in out.stderr
    assert "edited   pyproject.toml" in out.stderr and "edited   dvc.yaml" in out.stderr
    assert run(["git", "log", "-1", "--format=%s"], repo).stdout.strip() == message
    assert run(["git", "status", "--porcelain"], repo).stdout == ""

    left = set(run(["git", "grep", "-l", "-w", CURRENT], repo, check=False).stdout.split())
    assert left <= {"CHANGELOG.md", "LICENSE"}, left
    assert "https://github.com/acme/churn-model/actions/workflows/ci.yml" in readme.read_text()
    lock = tomllib.loads((repo / "uv.lock").read_text())
    assert LONG in {package["name"] for package in lock["package"]}
    assert tomllib.loads((repo / "pyproject.toml").read_text())["project"]["name"] == LONG
    dvc_lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert dvc_lock["stages"]["prepare"]["cmd"] == f"{new} prepare"
    assert (repo / "reports" / "metrics.json").read_bytes() == metrics
    assert json.loads(metrics)["roc_auc"] > 0.9

    venv = repo / ".venv" / "bin"
    assert (venv / new).exists() and not (venv / CURRENT).exists()
    assert "up to date" in make("run").stdout
    make("lint")  # ruff check, ruff format --check, mypy, lint-imports
    own_tests = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow", *SCAFFOLD_TESTS]
    tests = subprocess.run(
        [str(venv / "python"), *own_tests],
        cwd=repo,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "passed" in tests.stdout

    before = head(repo)
    again = make("init", f"NAME={LONG}")
    assert f"nothing to do: the package is already called {new}" in again.stderr
    assert head(repo) == before
