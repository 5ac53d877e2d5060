"""The small manifest that travels with a report artifact from the PR run to the comment run.

The comment workflow trusts nothing in the artifact: the manifest and the report data it names
are validated (types, sizes, the data's hash, the data's schema), the data must be about the
manifest's commits, and the PR number must belong to the run that produced it. The manifest
carries no verdict: the comment takes that from the run's conclusion.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tabml.compare.schema import ReportData
from tabml.errors import TabmlError, shown

MAX_DATA_BYTES = 2_000_000
MAX_MANIFEST_BYTES = 10_000
DATA_FILE = "report-data.json"
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]
M = TypeVar("M", bound=BaseModel)


class Manifest(BaseModel):
    """What the report run claims: which PR, which commits, which data file."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    pr_number: Annotated[int, Field(ge=1, lt=10**9)]
    head_sha: Sha
    base_sha: Sha
    data_file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}\.json$")]
    data_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def _parse(model: type[M], path: Path) -> M:
    """`path` parsed into `model`, or one sentence naming the first key at fault."""
    try:
        return model.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"]) or "(top level)"
        raise TabmlError(f"{path}: key {shown(key)}: {error['msg']}") from None


def load_verified(manifest_path: Path, run_head_sha: str) -> tuple[Manifest, ReportData]:
    """Validate a downloaded manifest and its report data; return both, or raise one sentence."""
    if not manifest_path.is_file():
        raise TabmlError(f"{manifest_path}: manifest not found in the report artifact")
    if manifest_path.stat().st_size > MAX_MANIFEST_BYTES:
        raise TabmlError(f"{manifest_path}: manifest is larger than {MAX_MANIFEST_BYTES} bytes")
    manifest = _parse(Manifest, manifest_path)
    if manifest.head_sha != run_head_sha:
        raise TabmlError(
            f"{manifest_path}: head_sha {manifest.head_sha[:12]} is not the triggering run's "
            f"head {run_head_sha[:12]}"
        )
    path = manifest_path.parent / manifest.data_file
    if not path.is_file() or path.is_symlink():
        raise TabmlError(f"{path}: report data missing from the artifact")
    if path.stat().st_size > MAX_DATA_BYTES:
        raise TabmlError(f"{path}: report data is larger than {MAX_DATA_BYTES} bytes")
    with path.open("rb") as stream:  # not tabml.io: the comment job stays light
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    if digest != manifest.data_sha256:
        raise TabmlError(f"{path}: SHA-256 does not match the manifest")
    data = _parse(ReportData, path)
    if (data.pr_sha, data.base_sha) != (manifest.head_sha, manifest.base_sha):
        raise TabmlError(f"{path}: the report data is about other commits than the manifest")
    return manifest, data


def check_pr_head(manifest: Manifest, pull: Mapping[str, Any], run_head_sha: str) -> None:
    """The PR the manifest names must still have the run's head (GitHub's pull object, fetched
    by the caller): else the artifact belongs to another run, or the PR moved on since."""
    head = pull.get("head")
    if not isinstance(head, Mapping) or head.get("sha") != run_head_sha:
        raise TabmlError(
            f"PR #{manifest.pr_number} does not have head {run_head_sha[:12]}: the manifest does "
            "not belong to the triggering run"
        )


def describe(data_file: Path, pr_number: int, head_sha: str, base_sha: str) -> Manifest:
    """The manifest of a report data file just written: which PR and commits, and its hash."""
    with data_file.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    return Manifest(
        pr_number=pr_number,
        head_sha=head_sha,
        base_sha=base_sha,
        data_file=data_file.name,
        data_sha256=digest,
    )


def write(path: Path, manifest: Manifest) -> None:
    """Write the manifest as JSON beside the report."""
    from tabml import io

    io.write_json(path, json.loads(manifest.model_dump_json()))
