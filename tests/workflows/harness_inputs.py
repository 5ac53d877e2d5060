"""What the harness's self-tests feed it: the emulated repository and a pull request event on it,
the actions their workflows pin, and tiny one-commit repositories holding one workflow."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from tests.workflows.git_repos import snapshot_repo

REPO = "acme/tabml-demo"
HEAD_SHA = "1234567890abcdef1234567890abcdef12345678"
PINS = {
    "checkout": "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
    "setup-python": "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97",
    "upload": "actions/upload-artifact@cf430e030ddbb5b0abf93d22962f4752f3646cd9",
    "download": "actions/download-artifact@9000827ccba6bdab643e8b6fd33ac0654aef8333",
}
PR_EVENT: dict[str, Any] = {
    "number": 7,
    "pull_request": {
        "number": 7,
        "head": {"sha": HEAD_SHA, "ref": "feature"},
        "base": {"ref": "main"},
    },
}


def make_repo(root: Path, workflow: str, actions: dict[str, str] | None = None) -> Path:
    """A tiny one-commit repository holding ``workflow`` (and local actions)."""
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "wf.yml").write_text(
        textwrap.dedent(workflow), encoding="utf-8"
    )
    for name, text in (actions or {}).items():
        (root / ".github" / "actions" / name).mkdir(parents=True)
        (root / ".github" / "actions" / name / "action.yml").write_text(
            textwrap.dedent(text), encoding="utf-8"
        )
    return snapshot_repo(root, root.parent / (root.name + "-repo"))
