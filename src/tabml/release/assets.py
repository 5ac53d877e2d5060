"""The files of a release: model, metrics, params, the data contract, dvc.lock, model card,
release.json, and what the serving image is built from (the Dockerfile, the project's wheel,
pyproject.toml and uv.lock), all listed in SHA256SUMS.

A release carries everything the server reads at start-up and everything its image installs, so
it is served, and its image built (`docker build <release dir>`), from the release directory
alone: the contract is copied from wherever params' `data.contract` names it to `contract.yaml`
(release.json records where it came from), and the wheel is built from the released commit.
The directory is built beside its destination and moved into place only when complete. The
model, metrics and contract must be the ones `dvc.lock` records, and the work tree clean, so that
`release.json` can name the commit they came from. Nothing in it depends on the clock: the
creation time is the GTO tag's (or the commit's), so building twice gives the same bytes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tabml import io, paths
from tabml.compare.predictions import read_predictions
from tabml.config import Params
from tabml.contract import load_contract
from tabml.errors import TabmlError
from tabml.platform import git
from tabml.release import card, preflight, tags, wheel

LOCK = Path("dvc.lock")
MODEL_CARD = "MODEL_CARD.md"
RELEASE_INFO = "release.json"
SUMS = "SHA256SUMS"
CONTRACT = "contract.yaml"  # params' data.contract, under a fixed name (tabml.serve.model reads it)
# name in the release -> where it comes from in the project
COPIED = {
    "model.skops": paths.MODEL,
    "metrics.json": paths.METRICS,
    "params.yaml": paths.PARAMS,
    "dvc.lock": LOCK,
}
# What the image is built from besides the wheel (`docker build <release dir>` needs nothing
# else), as committed at HEAD: the wheel is HEAD's too, so the three always match it.
IMAGE_FILES = ("Dockerfile", "pyproject.toml", "uv.lock")


def sha256sums(digests: dict[str, str]) -> str:
    """GNU coreutils checksum lines (`sha256sum --check` reads them), sorted by name."""
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))


def read_lock(root: Path = Path()) -> dict[str, Any]:
    """dvc.lock as a mapping."""
    path = root / LOCK
    if not path.is_file():
        raise TabmlError(f"{LOCK}: file not found; run `dvc repro` and commit it")
    lock = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return lock if isinstance(lock, dict) else {}


def locked_md5(lock: dict[str, Any], path: Path, kind: str) -> str | None:
    """The md5 that dvc.lock records for `path` among the stages' `deps` or `outs`."""
    for stage in (lock.get("stages") or {}).values():
        for entry in stage.get(kind, []) or []:
            if Path(str(entry.get("path"))) == path and entry.get("md5"):
                return str(entry["md5"])
    return None


def check_contract_matches_lock(lock: dict[str, Any], contract: Path, root: Path = Path()) -> None:
    """Refuse a contract that is not the one the model was trained with (when dvc.lock says)."""
    if not (root / contract).is_file():
        raise TabmlError(f"{contract}: contract file not found (params.yaml data.contract)")
    expected = locked_md5(lock, contract, "deps")
    actual = io.file_digest(root / contract, "md5")
    if expected is not None and expected != actual:
        raise TabmlError(
            f"{contract} (md5 {actual[:12]}) is not the contract dvc.lock records "
            f"({expected[:12]}); run `make release-model` first"
        )


def check_outputs_match_lock(lock: dict[str, Any], root: Path = Path()) -> None:
    """Refuse a model or metrics file that is not the one dvc.lock records."""
    for path in (paths.MODEL, paths.METRICS):
        expected = locked_md5(lock, path, "outs")
        if not (root / path).is_file():
            raise TabmlError(f"{path}: file not found; run `make release-model` first")
        actual = io.file_digest(root / path, "md5")
        if expected != actual:
            raise TabmlError(
                f"{path} (md5 {actual[:12]}) is not the output dvc.lock records "
                f"({(expected or 'none')[:12]}); run `make release-model` first"
            )


def provenance(data_path: Path, root: Path = Path()) -> dict[str, Any] | None:
    """`<table>.provenance.yaml` beside the raw table, when there is one."""
    path = root / data_path.with_name(f"{data_path.stem}.provenance.yaml")
    if not path.is_file():
        return None
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else None


def release_info(
    tag: str | None,
    artifact: str = tags.DEFAULT_ARTIFACT,
    repository: str | None = None,
    cwd: Path = Path(),
) -> card.ReleaseInfo:
    """Version, commit and time of the release: from `tag`, else a registration tag at HEAD,
    else the commit alone (version `dev-<sha>`)."""
    head = git.rev_parse("HEAD", cwd)
    tag = tag or tags.registration_at(head, artifact, cwd)
    if tag is None:
        created = git.git("log", "-1", "--format=%cI", head, cwd=cwd)
        return card.ReleaseInfo(artifact, f"dev-{head[:7]}", None, head, created, repository)
    info = tags.tag_info(tag, cwd)
    if info.sha != head:
        raise TabmlError(
            f"tag '{tag}' points at {info.sha[:12]}, not at HEAD {head[:12]}; check out the tag"
        )
    registration = tags.tag_info(info.registration_tag, cwd) if info.stage else info
    return card.ReleaseInfo(
        info.artifact,
        info.version,
        registration.tag,
        head,
        registration.created_at,
        repository,
    )


def card_inputs(
    params: Params, info: card.ReleaseInfo, root: Path = Path(), notes: Path = card.NOTES
) -> card.CardInputs:
    """Read everything the model card is made of."""
    lock = read_lock(root)
    predictions = paths.PREDICTIONS
    if not (root / predictions).is_file():
        raise TabmlError(f"{predictions}: file not found; run `dvc repro` first")
    data_path = params.data.path
    return card.CardInputs(
        info=info,
        params=params,
        contract=load_contract(root / params.data.contract),
        metrics=json.loads((root / paths.METRICS).read_text(encoding="utf-8")),
        slices=json.loads((root / paths.SLICES).read_text(encoding="utf-8")),
        intervals=card.metric_intervals(
            read_predictions(root / predictions, params.data.task),
            params.report,
            params.data.task,
        ),
        data=card.TrainingData(
            path=str(data_path),
            md5=locked_md5(lock, data_path, "deps"),
            provenance=provenance(data_path, root),
        ),
        model_sha256=io.file_digest(root / paths.MODEL),
        notes=card.load_notes(root / notes),
        baseline=card.load_baseline(root / paths.BASELINE),
    )


def committed_image_files(root: Path = Path()) -> dict[str, bytes]:
    """The image's Dockerfile, pyproject.toml and uv.lock as HEAD has them; refuse a missing one
    before anything is built."""
    files: dict[str, bytes] = {}
    for name in IMAGE_FILES:
        data = git.show("HEAD", name, cwd=root)
        if data is None:
            raise TabmlError(
                f"{name}: not committed at HEAD, and the release needs it to build the image"
            )
        files[name] = data
    return files


def release_json(inputs: card.CardInputs, files: list[str], wheel_name: str) -> dict[str, Any]:
    """What `release.json` says: the facts a server or a person needs without the card."""
    info = inputs.info
    return {
        "artifact": info.artifact,
        "version": info.version,
        "tag": info.tag,
        "git_sha": info.git_sha,
        "created_at": info.created_at,
        "repository": info.repository,
        "data_path": inputs.data.path,
        "data_hash": inputs.data.md5,
        "data_hash_kind": "md5 recorded in dvc.lock",
        "contract_path": str(inputs.params.data.contract),
        "model_sha256": inputs.model_sha256,
        "estimator": inputs.params.train.model,
        "wheel": wheel_name,
        "files": sorted(files),
    }


def build_assets(
    out_dir: Path,
    params: Params,
    info: card.ReleaseInfo,
    root: Path = Path(),
    notes: Path = card.NOTES,
    *,
    uv: str | None = None,
) -> dict[str, str]:
    """Write the release directory; return each file's SHA-256 (as listed in SHA256SUMS)."""
    preflight.check_clean(root)
    lock = read_lock(root)
    check_outputs_match_lock(lock, root)
    check_contract_matches_lock(lock, params.data.contract, root)
    image_files = committed_image_files(root)
    inputs = card_inputs(params, info, root, notes)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the release from other users and builders
    try:
        for name, source in {**COPIED, CONTRACT: params.data.contract}.items():
            shutil.copyfile(root / source, staging / name)
        for name, data in image_files.items():
            (staging / name).write_bytes(data)
        built = wheel.build_wheel(staging, uv, root)
        (staging / MODEL_CARD).write_text(card.render_card(inputs), encoding="utf-8")
        names = [*COPIED, CONTRACT, *image_files, built.name, MODEL_CARD, RELEASE_INFO]
        facts = release_json(inputs, names, built.name)
        payload = json.dumps(facts, indent=2, sort_keys=True) + "\n"
        (staging / RELEASE_INFO).write_text(payload, encoding="utf-8")
        digests = {name: io.file_digest(staging / name) for name in names}
        (staging / SUMS).write_text(sha256sums(digests), encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return digests


def verify_sums(release_dir: Path) -> dict[str, str]:
    """Check every file listed in SHA256SUMS; return name -> digest."""
    sums = release_dir / SUMS
    if not sums.is_file():
        raise TabmlError(f"{sums}: file not found; build the release with `make release-assets`")
    listed: dict[str, str] = {}
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise TabmlError(f"{sums}: line {number} is not '<sha256>  <file name>'")
        path = release_dir / name
        if not path.is_file() or io.file_digest(path) != digest:
            raise TabmlError(f"{path}: missing or does not match its SHA-256 in {sums}")
        listed[name] = digest
    return listed
