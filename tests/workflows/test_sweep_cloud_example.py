"""The opt-in cloud-runner sweep (docs/examples/sweep-cloud.yml): valid, and off by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "sweep-cloud.yml"
TOOLS = Path(sys.executable).parent


def test_the_cloud_example_is_a_valid_workflow(tmp_path: Path) -> None:
    config = tmp_path / "actionlint.yaml"
    config.write_text("self-hosted-runner:\n  labels: [cml-sweep]\n")
    lint = subprocess.run(
        [
            str(TOOLS / "actionlint"),
            "-no-color",
            "-oneline",
            "-config-file",
            str(config),
            str(EXAMPLE),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # shellcheck (a venv tool) on PATH, so actionlint checks the run: scripts too
    assert lint.returncode == 0, lint.stdout + lint.stderr
    schema = subprocess.run(
        [
            str(TOOLS / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(EXAMPLE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_the_cloud_example_is_off_by_default_and_never_runs_for_pull_requests() -> None:
    workflow = yaml.safe_load(EXAMPLE.read_text())
    assert list(workflow[True]) == ["workflow_dispatch"]  # YAML reads `on:` as True
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "vars.SWEEP_CLOUD == 'true'" in job["if"], name
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes == ({"id-token"} if name == "launch" else set()), name
    assert not (ROOT / ".github" / "workflows" / "sweep-cloud.yml").exists()
