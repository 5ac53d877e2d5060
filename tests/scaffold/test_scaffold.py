"""`make init NAME=...`: the pure decisions (names, remotes, replacements, the plan), the
guarantees on a small git repository (refusals, no-op, rollback), and, marked slow, the whole
command on a copy of this repository, whose own renamed package then runs its tests."""

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
from tabml.scaffold.plan import (
    badge_slugs,
    name_pattern,
    parse_github_remote,
    parse_repo_option,
    plan_init,
    replace_names,
    set_description,
    validate_name,
)
from tabml.scaffold.project import (
    current_package,
    init_project,
    taken_names,
    tracked_text_files,
)
from tests.support import BIN, ROOT, copy_repo, run, tool_env

CURRENT = current_package(ROOT)
OLD, NEW = "demoml", "churn_model"
UPSTREAM = "upstream/demoml"
BADGE = (
    f"[![CI](https://github.com/{UPSTREAM}/actions/workflows/ci.yml/badge.svg)]"
    f"(https://github.com/{UPSTREAM}/actions/workflows/ci.yml)"
)


# --- names and remotes ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def taken() -> dict[str, str]:
    """Modules a new package must not shadow, in this environment."""
    return taken_names(ROOT, CURRENT)


@pytest.mark.parametrize("name", ["churn_model", "churnml", "credit_risk_v2", "ml"])
def test_snake_case_names_are_accepted(name: str, taken: dict[str, str]) -> None:
    assert validate_name(name, taken) == name


@pytest.mark.parametrize(
    ("name", "package"),
    [("acme-churn", "acme_churn"), ("churn-model-v2", "churn_model_v2"), ("a-b_c", "a_b_c")],
)
def test_hyphenated_names_are_accepted_as_uv_init_does(
    name: str, package: str, taken: dict[str, str]
) -> None:
    assert validate_name(name, taken) == package


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "NAME is empty"),
        ("Churn", "is not a usable project name"),
        ("2churn", "is not a usable project name"),
        ("churn__model", "is not a usable project name"),
        ("churn--model", "is not a usable project name"),
        ("churn-_model", "is not a usable project name"),
        ("_churn", "is not a usable project name"),
        ("-churn", "is not a usable project name"),
        ("churn_", "is not a usable project name"),
        ("churn-", "is not a usable project name"),
        ("churn.model", "is not a usable project name"),
        ("c" * 41, "at most 40 characters"),
        ("c-" * 20 + "c", "at most 40 characters"),
        ("class", "is a Python keyword"),
        ("json", "already an importable module (standard library)"),
        ("typing-extensions", "(package 'typing_extensions') is already an importable module"),
        ("sklearn", "already an importable module (installed package scikit-learn)"),
        ("support", "already an importable module (tests/support.py)"),
    ],
)
def test_unusable_names_are_refused_in_one_sentence(
    name: str, reason: str, taken: dict[str, str]
) -> None:
    with pytest.raises(TabmlError, match=r"^[^\n]*$") as error:
        validate_name(name, taken)
    assert reason in str(error.value)


def test_the_current_package_name_is_not_taken(taken: dict[str, str]) -> None:
    assert CURRENT not in taken


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://github.com/acme/churn-model.git", "acme/churn-model"),
        ("https://github.com/acme/churn-model", "acme/churn-model"),
        ("https://github.com/acme/churn-model/\n", "acme/churn-model"),
        ("https://www.github.com/acme/churn.model", "acme/churn.model"),
        ("git@github.com:acme/churn-model.git", "acme/churn-model"),
        ("ssh://git@github.com/acme/churn-model.git", "acme/churn-model"),
        ("ssh://git@github.com:22/acme/churn-model", "acme/churn-model"),
        ("https://x-access-token:secret@github.com/acme/churn-model.git", "acme/churn-model"),
        ("https://gitlab.com/acme/churn-model.git", None),
        ("https://github.com.evil.example/acme/churn-model.git", None),
        ("https://github.com/acme", None),
        ("/srv/git/churn-model.git", None),
        ("", None),
    ],
)
def test_github_remotes_give_owner_and_repository(url: str, slug: str | None) -> None:
    assert parse_github_remote(url) == slug


@pytest.mark.parametrize("value", ["acme", "acme/churn/model", "ac me/churn", "acme/..", "-acme/x"])
def test_a_malformed_repo_option_is_refused(value: str) -> None:
    with pytest.raises(TabmlError, match="is not a GitHub repository of the form owner/name"):
        parse_repo_option(value)


def test_the_repo_option_accepts_a_slug_or_a_url() -> None:
    assert parse_repo_option("acme/churn-model") == "acme/churn-model"
    assert parse_repo_option("https://github.com/acme/churn-model.git") == "acme/churn-model"


# --- replacements ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from demoml.cli import app", "from churn_model.cli import app"),
        ("    cmd: demoml prepare", "    cmd: churn_model prepare"),
        ("- src/demoml/stages/prepare.py", "- src/churn_model/stages/prepare.py"),
        ('demoml = "demoml.cli:app"', 'churn_model = "churn_model.cli:app"'),
        ("raise DemomlError(message)", "raise ChurnModelError(message)"),
        ("os.environ['DEMOML_MODEL']", "os.environ['CHURN_MODEL_MODEL']"),
        ("def demoml_version():", "def churn_model_version():"),
        ("mydemoml demomlx demoml2 Demomlx DEMOMLX", "mydemoml demomlx demoml2 Demomlx DEMOMLX"),
        (BADGE, BADGE.replace(UPSTREAM, "acme/demoml")),
        ("git@github.com:upstream/demoml.git", "git@github.com:acme/demoml.git"),
        ("https://github.com/upstream/demoml.git", "https://github.com/acme/demoml.git"),
        (
            "https://github.com/upstream/demoml-extras",
            "https://github.com/upstream/churn_model-extras",
        ),
        ("GITHUB_REPOSITORY=acme/demoml-demo", "GITHUB_REPOSITORY=acme/churn_model-demo"),
    ],
)
def test_the_name_is_replaced_as_a_word_and_the_template_repo_is_repointed(
    text: str, expected: str
) -> None:
    slugs = {UPSTREAM: "acme/demoml"}
    assert replace_names(text, OLD, NEW, slugs) == expected


def test_badge_slugs_come_from_badges_only() -> None:
    readme = "\n".join(
        [
            "# demoml",
            BADGE,
            "[![PyPI](https://img.shields.io/pypi/v/x)](https://pypi.org/project/x/)",
            "Built with [DVC](https://github.com/iterative/dvc).",
        ]
    )
    assert badge_slugs(readme) == {UPSTREAM}


def test_set_description_keeps_pyproject_valid() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    updated = set_description(text, 'Churn "risk" model')
    assert tomllib.loads(updated)["project"]["description"] == 'Churn "risk" model'
    assert tomllib.loads(updated)["tool"] == tomllib.loads(text)["tool"]


def test_the_plan_for_this_repository_renames_everything_that_names_the_package() -> None:
    files = tracked_text_files(ROOT)
    plan = plan_init(files, CURRENT, NEW, {}, distribution=NEW)  # as init_project plans it
    package = [p for p in files if p.startswith(f"src/{CURRENT}/")]
    assert package
    assert all(plan.renames[p] == f"src/{NEW}/" + p.split("/", 2)[2] for p in package)
    pyproject = tomllib.loads(plan.edits["pyproject.toml"])
    assert pyproject["project"]["name"] == NEW
    assert pyproject["project"]["scripts"] == {NEW: f"{NEW}.cli:app"}
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [f"src/{NEW}"]
    assert pyproject["tool"]["mypy"]["packages"] == [NEW]
    stages = yaml.safe_load(plan.edits["dvc.yaml"])["stages"]
    assert all(stage["cmd"].startswith(f"{NEW} ") for stage in stages.values())
    deps = [d for stage in stages.values() for d in stage["deps"] if d.startswith("src/")]
    assert deps and all(d.startswith(f"src/{NEW}/") for d in deps)
    assert plan.edits["README.md"].startswith(f"# {NEW}\n")
    assert "Makefile" in plan.edits and "tests/conftest.py" in plan.edits
    for kept in ("CHANGELOG.md", "LICENSE", "uv.lock", "dvc.lock", "reports/metrics.json"):
        assert kept not in plan.edits
    leftover = name_pattern(CURRENT)
    assert [p for p, text in plan.edits.items() if leftover.search(text)] == []


def test_a_hyphenated_name_is_the_distribution_and_its_underscore_form_the_package() -> None:
    plan = plan_init(tracked_text_files(ROOT), CURRENT, "acme_churn", {}, distribution="acme-churn")
    pyproject = tomllib.loads(plan.edits["pyproject.toml"])
    assert pyproject["project"]["name"] == "acme-churn"
    assert pyproject["project"]["scripts"] == {"acme_churn": "acme_churn.cli:app"}
    assert pyproject["tool"]["importlinter"]["root_package"] == "acme_churn"
    assert plan.edits["README.md"].startswith("# acme-churn\n")
    assert plan.renames[f"src/{CURRENT}/cli/__init__.py"] == "src/acme_churn/cli/__init__.py"


def test_the_plan_is_empty_when_there_is_nothing_to_do() -> None:
    files = {"README.md": f"# demoml\n{BADGE}\n", "src/demoml/__init__.py": '"""demoml."""\n'}
    assert plan_init(files, OLD, OLD, {}).empty
    assert not plan_init(files, OLD, OLD, {UPSTREAM: "acme/x"}).empty


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
SCAFFOLD_TESTS = ("tests/scaffold/test_scaffold.py", "tests/scaffold/test_reflow.py")


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
