"""Shared logic of the composite stand-in actions (run by act on the host; standard library only).

Each stand-in passes its inputs as ``INPUT_<NAME>`` environment variables and runs
``python3 "$ACT_STANDIN_LIB/standin.py" <command> <owner/name>``. Commands:

- ``record``: append the inputs to ``$ACT_STANDIN_RECORDS/<owner>__<name>.jsonl``;
- ``upload`` / ``download``: the artifact store ``$ACT_STANDIN_ARTIFACTS/<run id>/<name>/``;
- ``attest``: check that ``subject-path`` matches files and record their sha256;
- ``metadata``: docker/metadata-action's ``tags``, ``labels`` and ``version`` (a subset);
- ``build``: docker/build-push-action's fake ``digest`` (sha256 of the inputs).

Every command also records its call. Secret-like inputs are recorded as ``"<set>"`` or ``""``.
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

SECRET_INPUTS = {"password", "github-token", "token", "repo-token"}
WILDCARDS = set("*?[")


def inputs() -> dict[str, str]:
    """The ``INPUT_*`` variables, keyed by input name (lower case)."""
    return {
        k[6:].lower().replace("_", "-"): v for k, v in os.environ.items() if k.startswith("INPUT_")
    }


def items(value: str) -> list[str]:
    """Non-empty stripped lines of a multi-line input."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def truthy(value: str | None) -> bool:
    """GitHub's boolean input convention."""
    return (value or "").strip().lower() == "true"


def fail(message: str) -> None:
    """Emit an error annotation and fail the step."""
    print(f"::error::{message}")
    sys.exit(1)


def output(**values: str) -> None:
    """Write step outputs (heredoc form, so values may span lines)."""
    with Path(os.environ["GITHUB_OUTPUT"]).open("a", encoding="utf-8") as handle:
        for key, value in values.items():
            handle.write(f"{key.replace('_', '-')}<<__STANDIN_EOF__\n{value}\n__STANDIN_EOF__\n")


def env_dir(name: str) -> Path:
    """A directory named by an environment variable that ``run_act`` sets."""
    if not os.environ.get(name):
        fail(f"{name} is not set: run this workflow through tests/workflows/act.py")
    path = Path(os.environ[name])
    path.mkdir(parents=True, exist_ok=True)
    return path


def record(action: str, **extra: object) -> None:
    """Append one JSON line describing this call."""
    given = {k: ("<set>" if v else "") if k in SECRET_INPUTS else v for k, v in inputs().items()}
    entry = {
        "action": action,
        "job": os.environ.get("GITHUB_JOB"),
        "run_id": os.environ.get("GITHUB_RUN_ID"),
        "inputs": given,
        **extra,
    }
    target = env_dir("ACT_STANDIN_RECORDS") / (action.replace("/", "__") + ".jsonl")
    with target.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")


def search_root(pattern: str) -> Path:
    """Where upload-artifact roots a path: before the first wildcard, a dir, or a file's dir."""
    parts = Path(pattern).parts
    for i, part in enumerate(parts):
        if WILDCARDS & set(part):
            return Path(*parts[:i]).resolve() if i else Path.cwd()
    path = Path(pattern).resolve()
    return path if path.is_dir() else path.parent


def upload(action: str) -> None:
    """upload-artifact: copy matches below their common root; hidden files need opting in."""
    given = inputs()
    name = given.get("name") or "artifact"
    patterns = [str(Path(p).expanduser()) for p in items(given.get("path", ""))]
    include = [p for p in patterns if not p.startswith("!")]
    skip = {Path(m).resolve() for p in patterns if p.startswith("!") for m in glob.glob(p[1:])}  # noqa: PTH207
    with_hidden = truthy(given.get("include-hidden-files"))
    files: set[Path] = set()
    for pattern in include:
        for match in glob.glob(pattern, recursive=True, include_hidden=with_hidden):  # noqa: PTH207
            path = Path(match).resolve()
            found = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
            root = path if path.is_dir() else path.parent
            files |= {
                f
                for f in found
                if f not in skip
                and (with_hidden or not any(s.startswith(".") for s in f.relative_to(root).parts))
            }
    if not files:
        mode = given.get("if-no-files-found") or "warn"
        message = f"No files were found with the provided path: {given.get('path', '')}."
        if mode == "error":
            fail(message)
        print(f"::warning::{message}" if mode == "warn" else message)
        return
    root = Path(os.path.commonpath([search_root(p) for p in include]))
    store = env_dir("ACT_STANDIN_ARTIFACTS") / os.environ.get("GITHUB_RUN_ID", "0") / name
    if store.exists():
        if not truthy(given.get("overwrite")):
            fail(f"an artifact with this name already exists on the workflow run: {name}")
        shutil.rmtree(store)
    digest = hashlib.sha256()
    names = sorted(str(f.relative_to(root)) for f in files)
    for relative in names:
        (store / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, store / relative)
        digest.update(relative.encode() + b"\0" + (root / relative).read_bytes())
    record(action, files=names)
    artifact_id = str(int(digest.hexdigest()[:7], 16))
    run_url = f"https://github.com/{os.environ.get('GITHUB_REPOSITORY')}/actions/runs"
    output(
        artifact_id=artifact_id,
        artifact_digest=digest.hexdigest(),
        artifact_url=f"{run_url}/{os.environ.get('GITHUB_RUN_ID')}/artifacts/{artifact_id}",
    )


def download(action: str) -> None:
    """download-artifact: copy this run's (or ``run-id``'s) artifacts into ``path``."""
    given = inputs()
    if given.get("run-id") and not given.get("github-token"):
        fail("github-token is required when run-id is given (as with the real action)")
    run_id = given.get("run-id") or os.environ.get("GITHUB_RUN_ID", "0")
    run_dir = env_dir("ACT_STANDIN_ARTIFACTS") / run_id
    if given.get("name"):
        names = [given["name"]]
    else:
        names = sorted(p.name for p in run_dir.glob("*") if p.is_dir())
        names = [n for n in names if fnmatch.fnmatch(n, given.get("pattern") or "*")]
    target = Path(given.get("path") or ".").expanduser().resolve()
    flat = bool(given.get("name")) or truthy(given.get("merge-multiple"))
    for name in names:
        if not (run_dir / name).is_dir():
            fail(f"Unable to download artifact(s): Artifact not found: {name} (run {run_id})")
        shutil.copytree(run_dir / name, target if flat else target / name, dirs_exist_ok=True)
    record(action, downloaded=names)
    output(download_path=str(target))


def attest(action: str) -> None:
    """attest-build-provenance: the subjects' sha256 digests, as they would be attested."""
    given = inputs()
    subjects = {
        match: hashlib.sha256(Path(match).read_bytes()).hexdigest()
        for pattern in items(given.get("subject-path", ""))
        for match in sorted(glob.glob(pattern, recursive=True))  # noqa: PTH207
        if Path(match).is_file()
    }
    if given.get("subject-path") and not subjects:
        fail(f"Could not find subject at path {given['subject-path']}")
    if not given.get("subject-path") and not given.get("subject-digest"):
        fail("One of subject-path or subject-digest must be provided")
    record(action, subjects=subjects)
    bundle = Path(os.environ.get("RUNNER_TEMP", ".")) / "attestation.jsonl"
    bundle.write_text(json.dumps({"subjects": subjects}) + "\n", encoding="utf-8")
    repo = os.environ.get("GITHUB_REPOSITORY")
    output(
        bundle_path=str(bundle),
        attestation_id="1",
        attestation_url=f"https://github.com/{repo}/attestations/1",
    )


def metadata_tag(spec: str, ref: str, version: str, sha: str) -> str | None:
    """One docker/metadata-action ``tags`` line (types sha, raw, ref and semver only)."""
    kv = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
    kind, event = kv.get("type", "raw"), kv.get("event", "")
    is_tag = ref.startswith("refs/tags/")
    if kind == "sha":
        return kv.get("prefix", "sha-") + sha[:7]
    if kind == "raw":
        return kv.get("value", spec)
    if kind == "semver" and is_tag:
        major, minor = ([*version.split("."), "0", "0"])[:2]
        pattern = kv.get("pattern", "{{version}}").replace("{{version}}", version)
        return pattern.replace("{{major}}", major).replace("{{minor}}", minor)
    if kind == "ref" and event == "pr" and ref.startswith("refs/pull/"):
        return "pr-" + ref.split("/")[2]
    if kind == "ref" and (event, is_tag) in (("tag", True), ("branch", False)):
        return version if not ref.startswith("refs/pull/") else None
    return None


def metadata(action: str) -> None:
    """docker/metadata-action: tags for each image, OCI labels and a version."""
    given = inputs()
    ref, sha = os.environ.get("GITHUB_REF", ""), os.environ.get("GITHUB_SHA", "0" * 40)
    name = os.environ.get("GITHUB_REF_NAME", "")
    version = name.removeprefix("v") if ref.startswith("refs/tags/") else name.replace("/", "-")
    specs = items(given.get("tags", "")) or ["type=ref,event=branch", "type=ref,event=tag"]
    tags = [t for s in specs if (t := metadata_tag(s, ref, version, sha))]
    images = items(given.get("images", "").replace(",", "\n"))
    full = [f"{image}:{tag}" for image in images for tag in tags] or tags
    labels = {
        "org.opencontainers.image.revision": sha,
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.source": f"https://github.com/{os.environ.get('GITHUB_REPOSITORY')}",
    }
    record(action, tags=full)
    label_lines = "\n".join(f"{k}={v}" for k, v in labels.items())
    output(
        tags="\n".join(full),
        labels=label_lines,
        annotations=label_lines,
        version=version,
        json=json.dumps({"tags": full, "labels": labels}),
    )


def build(action: str) -> None:
    """docker/build-push-action without Docker: a digest derived from the inputs."""
    given = {k: v for k, v in inputs().items() if k not in SECRET_INPUTS}
    digest = "sha256:" + hashlib.sha256(json.dumps(given, sort_keys=True).encode()).hexdigest()
    record(action, digest=digest)
    output(digest=digest, imageid=digest, metadata=json.dumps({"containerimage.digest": digest}))


COMMANDS = {
    "record": record,
    "upload": upload,
    "download": download,
    "attest": attest,
    "metadata": metadata,
    "build": build,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](sys.argv[2])
