"""The comment runs of ``pr-comment.yml`` under act, and what watches them: the emulator as
``WorkspaceProbe`` (a look at act's workspace while the job fetches its PR), the runs by name
with every sign of PR code in each, and the artifact a fork could forge."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tabml.compare.schema import ReportData, SliceData
from tests.compare.reportdata import delta, hostile
from tests.workflows.github_emulator import GitHubEmulator
from tests.workflows.github_rest import Reply
from tests.workflows.pr_loop import ARTIFACT, PrLoop, RunRecord

FORGED_RUN = 105  # a report run of push 2 whose artifact a fork forged (see forge_artifact)
# The first line of the checkout stand-in's script: act runs the stand-in only for a checkout
# with a `ref` (it replaces a ref-less checkout of the repository by its own copy of it).
CHECKOUT_STANDIN = 'Main if [ "$REPOSITORY" != "$GITHUB_REPOSITORY" ]'


class WorkspaceProbe(GitHubEmulator):
    """The emulator, plus a look at the running job's workspace whenever a PR is fetched."""

    def __init__(self, act_tmp: Path, paths: list[str]) -> None:
        super().__init__()
        self.act_tmp, self.paths = act_tmp, paths
        self.seen: dict[int, list[list[dict[str, Any]]]] = {}
        self.known: set[Path] = set()
        self.run_id = 0

    def workspaces(self) -> set[Path]:
        """act 0.2.89's host workspaces: <action cache>/<hash>/hostexecutor."""
        return set(self.act_tmp.glob("act-*/cache/*/hostexecutor"))

    def next_run(self, run_id: int) -> None:
        """Call before a run: workspaces that exist now belong to earlier runs."""
        self.known, self.run_id = self.workspaces(), run_id

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        """Snapshot the running job's workspace(s), then answer."""
        if method == "GET" and re.search(r"/pulls/\d+$", target):
            live = sorted(self.workspaces() - self.known)
            self.seen.setdefault(self.run_id, []).append([self._look(ws) for ws in live])
        return super().handle(method, target, headers, raw)

    def _look(self, workspace: Path) -> dict[str, Any]:
        head = git_out(workspace, "rev-parse", "HEAD", check=False).strip()
        files = {p: (workspace / p).read_bytes() for p in self.paths if (workspace / p).is_file()}
        return {"path": workspace, "head": head, "files": files}


def git_out(repo: Path, *args: str, check: bool = True) -> str:
    """stdout of a git command in ``repo``."""
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=check
    ).stdout


def conclusion(record: RunRecord) -> str:
    """What GitHub would report for that run."""
    return "success" if record.result.ok else "failure"


@dataclass
class CommentRuns:
    """The comment runs, the emulator they talked to, and what the PR changed."""

    loop: PrLoop
    api: WorkspaceProbe
    runs: dict[str, RunRecord]
    pr_changed: list[str]

    def run(self, name: str, push: int, run_id: int, outcome: str, workflow: str) -> RunRecord:
        """Run a comment workflow for the report run of ``push``; keep it as ``name``."""
        self.api.next_run(run_id)
        event = self.loop.workflow_run_event(push, outcome)
        self.runs[name] = self.loop.run(workflow, "workflow_run", event, run_id, self.api)
        return self.runs[name]

    def snapshot(self, name: str) -> dict[str, Any]:
        """The one live workspace seen while run ``name`` fetched its PR."""
        (seen,) = self.api.seen[int(self.runs[name].result.run_id)]
        (workspace,) = seen
        return workspace

    def pr_code_evidence(self, name: str) -> list[str]:
        """Every sign that run ``name`` held or ran PR code (empty: none)."""
        record, main = self.runs[name], self.loop.main_sha
        found = [f"canary: {line}" for line in sorted(set(record.canary))]
        if CHECKOUT_STANDIN in record.result.output:
            found.append("a checkout with a ref ran")
        workspace = self.snapshot(name)
        if workspace["head"] != main:
            found.append(f"workspace HEAD is {workspace['head'][:12]}, not main")
        for path in self.pr_changed:
            wanted = subprocess.run(
                ["git", "-C", str(self.loop.repo), "show", f"{main}:{path}"],
                capture_output=True,
                check=True,
            ).stdout
            if workspace["files"].get(path) != wanted:
                found.append(f"{path} is not main's")
        return found


def forge_artifact(loop: PrLoop, run_id: int) -> ReportData:
    """Push 2's artifact as a fork could rewrite it for run ``run_id``: every rule "passed",
    hostile text in every free-text field, 400 long slice rows, and a 70,017-character
    report.md saying the gate passed (never posted: the job renders its own)."""
    folder = loop.act_tmp / "artifacts" / str(run_id) / ARTIFACT
    shutil.copytree(loop.report(2).result.artifact(ARTIFACT), folder)
    data = ReportData.model_validate_json((folder / "report-data.json").read_bytes())
    evil = hostile()
    rows = tuple(
        SliceData(group="g", value=f"{i}" + "v" * 190, rows=50, delta=delta(data.headline))
        for i in range(400)
    )
    forged = data.model_copy(
        update={
            "checks": tuple(c.model_copy(update={"passed": True}) for c in data.checks),
            "params": evil.params,
            "inputs": evil.inputs,
            "slices": evil.slices + rows,
            "lock_reasons": evil.lock_reasons,
            "warnings": evil.warnings,
            "base_source": evil.base_source,
        }
    )
    text = forged.model_dump_json()
    forged = ReportData.model_validate_json(text)  # valid: only the schema's checks pass it
    (folder / "report-data.json").write_text(text, encoding="utf-8")
    line = "✅ **Quality gate passed** @acme/maintainers [merge](https://evil.example)\n"
    report = "## Model report\n\n" + line * 1000
    (folder / "report.md").write_text(report[:70_017], encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["data_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return forged
