"""The small manifest that travels with a report artifact from the PR run to the comment run.

The comment workflow trusts nothing in the artifact: the manifest is validated (types, sizes,
the report's hash), and the PR number must belong to the run that produced it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tabml.errors import TabmlError
from tabml.io import file_digest

MAX_REPORT_BYTES = 1_000_000
MAX_MANIFEST_BYTES = 10_000
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]


class Manifest(BaseModel):
    """What the report run claims: which PR, which commit, which report file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pr_number: Annotated[int, Field(ge=1, lt=10**9)]
    head_sha: Sha
    base_sha: Sha
    gate_passed: bool
    report_file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}\.md$")]
    report_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def load_verified(manifest_path: Path, run_head_sha: str) -> tuple[Manifest, Path]:
    """Validate a downloaded manifest and its report; return both, or raise one sentence."""
    if not manifest_path.is_file():
        raise TabmlError(f"{manifest_path}: manifest not found in the report artifact")
    if manifest_path.stat().st_size > MAX_MANIFEST_BYTES:
        raise TabmlError(f"{manifest_path}: manifest is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_bytes())
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"]) or "(top level)"
        raise TabmlError(f"{manifest_path}: key '{key}': {error['msg']}") from None
    if manifest.head_sha != run_head_sha:
        raise TabmlError(
            f"{manifest_path}: head_sha {manifest.head_sha[:12]} is not the triggering run's "
            f"head {run_head_sha[:12]}"
        )
    report = manifest_path.parent / manifest.report_file
    if not report.is_file() or report.is_symlink():
        raise TabmlError(f"{report}: report file missing from the artifact")
    if report.stat().st_size > MAX_REPORT_BYTES:
        raise TabmlError(f"{report}: report is larger than {MAX_REPORT_BYTES} bytes")
    if file_digest(report) != manifest.report_sha256:
        raise TabmlError(f"{report}: SHA-256 does not match the manifest")
    return manifest, report


def write(path: Path, manifest: Manifest) -> None:
    """Write the manifest as JSON beside the report."""
    from tabml import io

    io.write_json(path, json.loads(manifest.model_dump_json()))
