"""The files around the code: pre-commit hooks, Dependabot, issue forms, the PR template,
CODEOWNERS and the dev container. Each is checked with the tool GitHub or pre-commit would use
(or its published schema), and against the Makefile where they promise to mirror it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT, run

BIN = Path(sys.executable).parent
GITHUB = ROOT / ".github"
PRE_COMMIT = ROOT / ".pre-commit-config.yaml"
FORMS = sorted(p for p in (GITHUB / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")
LINTERS = {"ruff", "mypy", "actionlint", "zizmor", "check-jsonschema"}


def tool(name: str, *args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a venv tool; no GitHub token, so nothing goes online."""
    environment = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
    environment["PATH"] = os.pathsep.join([str(BIN), environment.get("PATH", os.defpath)])
    environment.update(env)
    return subprocess.run(
        [str(BIN / name), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def hooks() -> list[dict[str, Any]]:
    config = yaml.safe_load(PRE_COMMIT.read_text())
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def command_of(entry: str) -> tuple[str, str]:
    """(tool, subcommand) of a hook entry or recipe line: `.venv/bin/ruff check` -> ruff, check."""
    words = entry.split()
    name = Path(words[0]).name
    sub = words[1] if name == "ruff" and len(words) > 1 else ""
    return name, sub


# --- pre-commit -----------------------------------------------------------------------------


def test_pre_commit_config_is_valid() -> None:
    done = tool("pre-commit", "validate-config", str(PRE_COMMIT))
    assert done.returncode == 0, done.stdout + done.stderr


def test_pre_commit_runs_every_check_of_make_lint() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    recipe = subprocess.run(
        ["make", "-n", "lint"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    lint = {command_of(line) for line in recipe if line.strip()}
    lint = {(name, sub) for name, sub in lint if name in LINTERS}
    assert ("ruff", "check") in lint and ("mypy", "") in lint
    assert lint <= {command_of(hook["entry"]) for hook in hooks()}


def test_pre_commit_hooks_use_the_project_venv() -> None:
    for hook in hooks():
        executable = hook["entry"].split()[0]
        assert hook["language"] == "system" and executable.startswith(".venv/bin/"), hook["id"]
        assert (BIN / Path(executable).name).exists(), (
            f"{hook['id']}: {executable} is not installed"
        )


@pytest.fixture
def hooked_repo(tmp_path: Path) -> Path:
    """A git repo with this pre-commit config and ruff settings, and .venv linked to ours."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in (".pre-commit-config.yaml", "pyproject.toml"):
        (repo / name).write_text((ROOT / name).read_text())
    (repo / ".venv").symlink_to(BIN.parent)
    run(["git", "init", "-q", "-b", "main"], repo)
    return repo


def test_the_ruff_hooks_fail_on_a_lint_error_and_pass_on_clean_code(
    hooked_repo: Path, tmp_path: Path
) -> None:
    (hooked_repo / "bad.py").write_text("import os\nx=1\n")
    (hooked_repo / "good.py").write_text('"""Fine."""\n\nX = 1\n')
    home = str(tmp_path / "pre-commit-home")

    def hook(hook_id: str, name: str) -> subprocess.CompletedProcess[str]:
        return tool(
            "pre-commit", "run", hook_id, "--files", name, cwd=hooked_repo, PRE_COMMIT_HOME=home
        )

    bad_lint, bad_format = hook("ruff-check", "bad.py"), hook("ruff-format", "bad.py")
    assert bad_lint.returncode == 1 and "F401" in bad_lint.stdout, bad_lint.stdout
    assert bad_format.returncode == 1 and "1 file would be reformatted" in bad_format.stdout
    for hook_id in ("ruff-check", "ruff-format"):
        good = hook(hook_id, "good.py")
        assert good.returncode == 0, good.stdout + good.stderr


# --- .github --------------------------------------------------------------------------------


def schema_check(schema: str, *paths: Path) -> None:
    done = tool("check-jsonschema", "--builtin-schema", schema, *map(str, paths))
    assert done.returncode == 0, done.stdout + done.stderr


def test_dependabot_updates_uv_actions_and_cml_weekly_in_groups() -> None:
    path = GITHUB / "dependabot.yml"
    schema_check("vendor.dependabot", path)
    updates = yaml.safe_load(path.read_text())["updates"]
    assert {u["package-ecosystem"] for u in updates} == {"uv", "github-actions", "npm"}
    for update in updates:
        assert update["schedule"]["interval"] == "weekly"
        assert update["groups"], update["package-ecosystem"]


def test_issue_forms_match_githubs_schema() -> None:
    assert [p.name for p in FORMS] == ["bug.yml", "model-regression.yml"]
    schema_check("vendor.github-issue-forms", *FORMS)
    schema_check("vendor.github-issue-config", GITHUB / "ISSUE_TEMPLATE" / "config.yml")


@pytest.mark.parametrize("form", FORMS, ids=lambda p: p.name)
def test_issue_forms_have_named_unique_fields(form: Path) -> None:
    spec = yaml.safe_load(form.read_text())
    assert spec["name"] and spec["description"]
    fields = [item for item in spec["body"] if item["type"] != "markdown"]
    ids = [item["id"] for item in fields]
    assert fields and len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9-]*", i) for i in ids), ids
    assert all(item["attributes"]["label"] for item in fields)
    assert any(item.get("validations", {}).get("required") for item in fields)


def test_the_pr_template_asks_for_the_pipeline_state() -> None:
    text = (GITHUB / "pull_request_template.md").read_text()
    boxes = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert len(boxes) >= 4
    for needed in ("params.yaml", "data/contract.yaml", "dvc.lock", "reports/", "make test"):
        assert any(needed in box for box in boxes), needed


def test_codeowners_is_an_example_that_assigns_nobody() -> None:
    lines = (GITHUB / "CODEOWNERS").read_text().splitlines()
    assert all(not line.strip() or line.startswith("#") for line in lines)
    assert any(re.match(r"#\s*\S+\s+@", line) for line in lines)


# --- dev container --------------------------------------------------------------------------


def test_the_dev_container_runs_make_setup_on_python_311() -> None:
    spec = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text())
    assert spec["postCreateCommand"] == "make setup"
    assert re.search(r":\d+-3\.11-", spec["image"]), spec["image"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    make = ["make", "-n", "setup"]
    known = subprocess.run(make, cwd=ROOT, env=env, capture_output=True, check=False)
    assert known.returncode == 0, known.stderr


def test_every_tool_the_tests_run_comes_from_the_lock() -> None:
    """A fresh machine has no uv: the venv's locked one (same version as the Makefile's private
    copy) is what the act harness hands to `make setup`, never one found on PATH."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    wanted = re.search(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert wanted, "Makefile: UV_VERSION is missing"
    lock = (ROOT / "uv.lock").read_text(encoding="utf-8")
    assert f'name = "uv"\nversion = "{wanted[1]}"' in lock, "uv.lock: uv differs from UV_VERSION"
    assert (BIN / "uv").is_file(), "the venv has no uv: it must be a dev dependency"
    harness = (ROOT / "tests" / "workflows" / "pr_loop.py").read_text(encoding="utf-8")
    assert "project_uv()" in harness
    assert 'which("uv")' not in harness
