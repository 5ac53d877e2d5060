"""The GitHub Actions runner's environment: this run's URL, the job summary, step outputs.

Outside a workflow (the variables unset) each function does nothing, so the CLI behaves the
same on a laptop and in CI apart from these extras.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path

from tabml.errors import TabmlError, shown

DEFAULT_SERVER = "https://github.com"


def server_url() -> str:
    """The GitHub web server (`GITHUB_SERVER_URL`; github.com outside a workflow)."""
    return (os.environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER).rstrip("/")


def run_url() -> str | None:
    """This workflow run's page, or None outside GitHub Actions."""
    server, repo, run = (
        os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def _append(variable: str, text: str) -> bool:
    target = os.environ.get(variable)
    if not target:
        return False
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(text)
    return True


def append_summary(markdown: str) -> bool:
    """Add markdown to the job summary (`GITHUB_STEP_SUMMARY`); False outside a workflow."""
    return _append("GITHUB_STEP_SUMMARY", markdown)


def output_lines(values: Mapping[str, str]) -> str:
    """`key=value` lines; a multi-line value in the `key<<DELIMITER` form GitHub documents."""
    lines = []
    for key, value in values.items():
        if not key or any(c in key for c in "=<\r\n"):
            raise TabmlError(
                f"step output name {shown(key)} is empty or holds '=', '<' or a newline"
            )
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{uuid.uuid4()}"  # random: a value cannot end it early
            lines.append(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{key}={value}\n")
    return "".join(lines)


def set_outputs(values: Mapping[str, str]) -> bool:
    """Append step outputs to `GITHUB_OUTPUT`; False outside a workflow."""
    return _append("GITHUB_OUTPUT", output_lines(values))
