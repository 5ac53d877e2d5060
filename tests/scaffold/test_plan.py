"""The pure decisions of `make init NAME=...` (`tabml.scaffold.plan`): which names are usable,
which remotes are GitHub's, how the name is replaced as a word and the template's repository
repointed, and the plan for this repository."""

from __future__ import annotations

import tomllib

import pytest
import yaml

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
from tabml.scaffold.project import taken_names, tracked_text_files
from tests.scaffold.template_names import BADGE, CURRENT, NEW, OLD, UPSTREAM
from tests.support import ROOT

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
