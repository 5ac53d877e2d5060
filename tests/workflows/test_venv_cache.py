"""The cached `.venv` (docs/performance.md: restoring it took 8.4 s, installing 19.4 s):
keyed so that a restored environment always matches the lock and the interpreter, restored
before `make setup`, and never in a job that publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
CACHED = {"ci.yml": {"test", "slow"}, "pr-report.yml": {"report"}, "sweep.yml": {"expand", "run"}}


def jobs(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))["jobs"])


def venv_caches(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        step
        for step in job.get("steps", [])
        if "actions/cache@" in step.get("uses", "") and step["with"]["path"] == ".venv"
    ]


@pytest.mark.parametrize("workflow", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_only_read_only_jobs_restore_a_cached_venv(workflow: str) -> None:
    for name, job in jobs(workflow).items():
        cached = venv_caches(job)
        assert bool(cached) == (name in CACHED.get(workflow, set())), f"{workflow}: {name}"
        if not cached:
            continue
        permissions = job.get("permissions") or {}
        assert set(permissions.values()) <= {"read"}, f"{workflow}: {name} can write"
        steps = job["steps"]
        python = next(s for s in steps if "actions/setup-python@" in s.get("uses", ""))
        key = cached[0]["with"]["key"]
        assert python["id"] == "python" and "steps.python.outputs.python-version" in key
        assert "runner.os" in key and "hashFiles('uv.lock', 'pyproject.toml')" in key
        assert "restore-keys" not in cached[0]["with"]  # an exact match or a fresh install
        position = steps.index(cached[0])
        assert steps.index(python) < position < steps.index({"run": "make setup"})


def test_release_and_promote_never_restore_a_cache() -> None:
    for workflow in ("release.yml", "promote.yml"):
        for job in jobs(workflow).values():
            uses = [step.get("uses", "") for step in job.get("steps", [])]
            assert not [u for u in uses if "actions/cache@" in u], workflow
