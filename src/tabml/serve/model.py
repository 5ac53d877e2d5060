"""Find, verify and load the model to serve, with what is known about where it came from.

A model is either a skops file or a release directory holding `model.skops`, `contract.yaml`,
`SHA256SUMS` and optionally `metrics.json`, `release.json` and `MODEL_CARD.md`. Checksums are
verified before the model is loaded; a mismatch is a `TabmlError` and the server does not start.
A release is served with its own contract, never the working tree's: the table it was trained on
may have had its contract anywhere, and the working tree may hold another table's by now.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from tabml import io, paths
from tabml.errors import TabmlError
from tabml.platform import git

RELEASE_MODEL = "model.skops"
RELEASE_SUMS = "SHA256SUMS"
RELEASE_METRICS = "metrics.json"
RELEASE_INFO = "release.json"
RELEASE_CONTRACT = "contract.yaml"
_SUM_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")


@dataclass(frozen=True)
class Provenance:
    """Where the served model came from; each piece is None when it cannot be found."""

    version: str | None
    git_sha: str | None
    data_hash: str | None
    metrics: dict[str, Any] | None


@dataclass(frozen=True)
class ServedModel:
    """A loaded, verified model and its metadata."""

    estimator: Any
    path: Path
    contract: Path | None  # a release's own contract.yaml; None: params' data.contract
    sha256: str
    version: str
    source: Literal["release", "working tree"]
    provenance: Provenance


def served_params_file(model: Path, given: Path | None) -> Path:
    """The params a model is served with: the ones given, else a release directory's own
    `params.yaml` (the release is served as it was built), else the working tree's."""
    if given is not None:
        return given
    if model.is_dir() and (model / paths.PARAMS.name).is_file():
        return model / paths.PARAMS.name
    return paths.PARAMS


def read_sha256sums(path: Path) -> dict[str, str]:
    """Parse a GNU coreutils checksum file (`<hex>  <name>` or `<hex> *<name>` per line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TabmlError(f"{path}: checksum file not found") from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _SUM_LINE.match(line)
        if match is None:
            raise TabmlError(f"{path}: line {number} is not '<sha256>  <file name>'")
        sums[match.group(2)] = match.group(1).lower()
    return sums


def verify_file(path: Path, expected: str, sums_file: Path) -> str:
    """Return the file's SHA-256, or refuse with one sentence when it differs from `expected`."""
    if not path.is_file():
        raise TabmlError(f"{path}: file listed in {sums_file} not found")
    actual = io.file_digest(path)
    if actual != expected:
        raise TabmlError(
            f"{path}: SHA-256 {actual[:16]}... does not match {expected[:16]}... in {sums_file}, "
            "so the model will not be served"
        )
    return actual


def verify_model(model_file: Path, sums_file: Path, whole_release: bool) -> str:
    """Check the model (and, for a release, every listed file) against `sums_file`."""
    sums = read_sha256sums(sums_file)
    entries = [digest for name, digest in sums.items() if Path(name).name == model_file.name]
    if not entries:
        raise TabmlError(f"{sums_file}: no checksum for '{model_file.name}'")
    if whole_release:
        for name, digest in sums.items():
            if Path(name).name != model_file.name:
                verify_file(sums_file.parent / name, digest, sums_file)
    return verify_file(model_file, entries[0], sums_file)


def release_contract(release: Path, sums_file: Path) -> Path:
    """The release's own contract file, once its SHA-256 matches the one `sums_file` lists."""
    sums = read_sha256sums(sums_file)
    if RELEASE_CONTRACT not in sums:
        raise TabmlError(
            f"{sums_file}: no checksum for '{RELEASE_CONTRACT}', so {release} has no data contract "
            "to validate requests against; rebuild the release with `make release-assets`"
        )
    contract = release / RELEASE_CONTRACT
    verify_file(contract, sums[RELEASE_CONTRACT], sums_file)
    return contract


def _read_json_object(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file, or None when the file is missing or not a JSON object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str | int | float) and value != "" else None


def locked_data_hash(lock_file: Path, data_path: Path) -> str | None:
    """The md5 that `dvc.lock` records for the raw data file, or None."""
    try:
        lock = yaml.safe_load(lock_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    stages = lock.get("stages") if isinstance(lock, dict) else None
    if not isinstance(stages, dict):
        return None
    for stage in stages.values():
        deps = stage.get("deps", []) if isinstance(stage, dict) else []
        for dep in deps if isinstance(deps, list) else []:
            if isinstance(dep, dict) and Path(str(dep.get("path"))) == data_path:
                return _text(dep.get("md5"))
    return None


def release_provenance(release: Path) -> Provenance:
    """Metadata from a release directory's `release.json` and `metrics.json`."""
    info = _read_json_object(release / RELEASE_INFO) or {}
    return Provenance(
        version=_text(info.get("version")),
        git_sha=_text(info.get("git_sha")),
        data_hash=_text(info.get("data_hash")),
        metrics=_read_json_object(release / RELEASE_METRICS),
    )


def working_tree_provenance(root: Path, data_path: Path) -> Provenance:
    """Metadata from the working tree: reports/metrics.json, dvc.lock and git."""
    return Provenance(
        version=None,
        git_sha=git.head(root),
        data_hash=locked_data_hash(root / "dvc.lock", data_path),
        metrics=_read_json_object(root / paths.METRICS),
    )


def load_served_model(
    model: Path, checksums: Path | None, data_path: Path, root: Path = Path()
) -> ServedModel:
    """Resolve a model file or release directory, verify its checksums (a release's contract
    too), and load it."""
    release = model.is_dir()
    model_file = model / RELEASE_MODEL if release else model
    if release:
        checksums = checksums or model / RELEASE_SUMS
        if not checksums.is_file():
            raise TabmlError(f"{model}: release directory has no {RELEASE_SUMS} to verify against")
    if not model_file.is_file():
        raise TabmlError(f"{model_file}: model file not found")
    if checksums is not None:
        sha256 = verify_model(model_file, checksums, whole_release=release)
    else:
        sha256 = io.file_digest(model_file)
    contract = release_contract(model, checksums or model / RELEASE_SUMS) if release else None
    estimator = io.load_model(model_file)
    provenance = release_provenance(model) if release else working_tree_provenance(root, data_path)
    return ServedModel(
        estimator=estimator,
        path=model_file,
        contract=contract,
        sha256=sha256,
        version=provenance.version or f"sha256:{sha256[:12]}",
        source="release" if release else "working tree",
        provenance=provenance,
    )
