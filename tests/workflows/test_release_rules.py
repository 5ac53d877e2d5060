"""The repository rules the docs ask for match the workflows' real triggers.

docs/getting-started.md (step 6) lists the tag rulesets and the environments' deployment rules
in a table; docs/release.md lists, per tag-triggered workflow, its tags and those rules. A tag
that starts a workflow must be covered by a ruleset, an environment must accept exactly the tags
that deploy to it (and `main`, for `workflow_dispatch`), and no other model tag pattern may
appear in either doc.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
GETTING_STARTED = ROOT / "docs" / "getting-started.md"
RELEASE = ROOT / "docs" / "release.md"
CODE = re.compile(r"`([^`]+)`")
MODEL_GLOB = re.compile(r"`(model[@#][^`\s]*\*[^`\s]*)`")


def table_after(path: Path, marker: str) -> list[dict[str, str]]:
    """Rows of the markdown table that follows the ``<!-- marker: ... -->`` line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"<!-- {marker}:")), None)
    assert start is not None, f"{path.name}: no `<!-- {marker}: ... -->` table"
    rows = []
    for line in lines[start + 1 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, _separator, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def codes(cell: str) -> list[str]:
    return CODE.findall(cell)


def triggers(document: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` mapping (PyYAML reads the bare key `on` as True)."""
    on = document.get("on", document.get(True))
    return on if isinstance(on, dict) else {}


def load_workflows() -> dict[str, dict[Any, Any]]:
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in WORKFLOWS.glob("*.yml")}


def push_tags(document: dict[Any, Any]) -> list[str]:
    """The positive `on.push.tags` patterns (negations, `!...`, left out)."""
    push = triggers(document).get("push") or {}
    return [t for t in push.get("tags") or [] if not t.startswith("!")]


def covers(rule: str, pattern: str) -> bool:
    """Whether the ruleset glob ``rule`` (a literal prefix then one `*`) matches every tag that
    the trigger glob ``pattern`` matches."""
    assert rule.endswith("*") and "*" not in rule[:-1], f"ruleset pattern {rule!r}: use prefix*"
    literal = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return literal.startswith(rule[:-1])


def rule_problems(
    rules: list[dict[str, str]], tag_triggers: dict[str, list[str]], stages: list[str]
) -> list[str]:
    """What is wrong with the getting-started table, given each workflow's push tags and the
    GTO stages (= environment names of promote.yml)."""
    problems = []
    rulesets = [p for r in rules if "ruleset" in r["setting"] for p in codes(r["pattern"])]
    for workflow, patterns in tag_triggers.items():
        for pattern in patterns:
            if not any(covers(rule, pattern) for rule in rulesets):
                problems.append(f"no tag ruleset covers {workflow}'s tags `{pattern}`")
    environments: dict[str, dict[str, list[str]]] = {}
    for row in rules:
        if row["setting"].startswith("environment"):
            (name,) = codes(row["setting"])
            refs = environments.setdefault(name, {"tag": [], "branch": []})
            refs[row["ref"]] += codes(row["pattern"])
    if sorted(environments) != sorted(stages):
        problems.append(f"environments {sorted(environments)} != .gto stages {sorted(stages)}")
    for name, refs in environments.items():
        if sorted(refs["tag"]) != sorted(tag_triggers.get("promote.yml", [])):
            problems.append(f"environment {name} allows tags {refs['tag']}, not promote.yml's")
        if refs["branch"] != ["main"]:
            problems.append(f"environment {name} allows branches {refs['branch']}, not ['main']")
    return problems


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict[Any, Any]]:
    return load_workflows()


@pytest.fixture(scope="module")
def tag_triggers(workflows: dict[str, dict[Any, Any]]) -> dict[str, list[str]]:
    found = {name: push_tags(doc) for name, doc in workflows.items()}
    return {name: tags for name, tags in found.items() if tags}


def stages() -> list[str]:
    return list(yaml.safe_load((ROOT / ".gto").read_text(encoding="utf-8"))["stages"])


def test_the_tag_triggered_workflows_are_release_and_promote(
    tag_triggers: dict[str, list[str]],
) -> None:
    assert tag_triggers == {"release.yml": ["model@v*"], "promote.yml": ["model#*"]}


def test_getting_started_rules_match_the_triggers(tag_triggers: dict[str, list[str]]) -> None:
    rules = table_after(GETTING_STARTED, "release-rules")
    assert rule_problems(rules, tag_triggers, stages()) == []


def test_a_table_that_allows_only_main_and_v_tags_is_refused(
    tag_triggers: dict[str, list[str]],
) -> None:
    """The check above can fail: the rules this guide used to give are caught."""
    old = [
        {"setting": "environment `prod`", "ref": "branch", "pattern": "`main`", "why": ""},
        {"setting": "environment `prod`", "ref": "tag", "pattern": "`v*`", "why": ""},
    ]
    problems = rule_problems(old, tag_triggers, ["prod"])
    assert "no tag ruleset covers release.yml's tags `model@v*`" in problems
    assert "no tag ruleset covers promote.yml's tags `model#*`" in problems
    assert "environment prod allows tags ['v*'], not promote.yml's" in problems


def test_only_promote_deploys_through_an_environment(
    workflows: dict[str, dict[Any, Any]],
) -> None:
    """The environment rules are written for promote.yml; another deployer needs its own."""
    deployers = sorted(
        name
        for name, doc in workflows.items()
        if any("environment" in job for job in (doc.get("jobs") or {}).values())
    )
    assert deployers == ["promote.yml"]
    # The `main` branch rule exists for re-deploys by workflow_dispatch.
    assert "workflow_dispatch" in triggers(workflows["promote.yml"])


def test_release_doc_table_matches_the_workflows_and_the_rulesets(
    tag_triggers: dict[str, list[str]],
) -> None:
    rows = table_after(RELEASE, "release-triggers")
    documented = {codes(r["workflow"])[0]: codes(r["runs on pushed tags"]) for r in rows}
    assert documented == tag_triggers
    rules = table_after(GETTING_STARTED, "release-rules")
    rulesets = {p for r in rules if "ruleset" in r["setting"] for p in codes(r["pattern"])}
    for row in rows:
        listed = codes(row["tag ruleset (restrict creations, updates, deletions)"])
        assert listed and set(listed) <= rulesets, row
        (workflow,) = codes(row["workflow"])
        assert all(any(covers(r, t) for r in listed) for t in tag_triggers[workflow]), row


@pytest.mark.parametrize("doc", [GETTING_STARTED, RELEASE], ids=lambda p: p.name)
def test_every_model_tag_pattern_in_the_docs_is_a_trigger_or_a_ruleset(
    doc: Path, tag_triggers: dict[str, list[str]]
) -> None:
    rules = table_after(GETTING_STARTED, "release-rules")
    allowed = {p for tags in tag_triggers.values() for p in tags}
    allowed |= {p for r in rules for p in codes(r["pattern"])}
    stray = sorted(set(MODEL_GLOB.findall(doc.read_text(encoding="utf-8"))) - allowed)
    assert not stray, f"{doc.name} names tag patterns no workflow or rule uses: {stray}"
