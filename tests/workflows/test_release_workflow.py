"""release.yml and promote.yml executed with act on the host, for faked GTO tag pushes.

Release: the tagged snapshot has no DVC remote, so `make release-model` reproduces the pipeline
and checks the metrics; the files (with the image's Dockerfile, the project's wheel and its lock)
are uploaded as an artifact, checked by `make verify-sums` and attested (stand-in), published as
the GitHub Release of the tag (emulator) and baked into the image (build-push stand-in), whose
build context is the release directory alone.

Promote: the snapshot has a local DVC remote holding the pipeline's outputs, so the model is
pulled instead. No Docker engine runs here, so the repository variable SMOKE_RUNTIME=host makes
`make smoke` run the image's own command (`tabml serve` on the release directory, the Dockerfile's
ENTRYPOINT + CMD) on the host and hit /health and /predict, as the container would be hit; the
deployment and its statuses are recorded by the emulator.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT, run
from tests.workflows.act import ActResult
from tests.workflows.git_repos import commit_all
from tests.workflows.github_emulator import GitHubEmulator

pytestmark = pytest.mark.slow
REPO = "acme/tabml-demo"
IMAGE = f"ghcr.io/{REPO}"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
FILES = {
    "Dockerfile",
    "MODEL_CARD.md",
    "SHA256SUMS",
    "contract.yaml",
    "dvc.lock",
    "metrics.json",
    "model.skops",
    "params.yaml",
    "pyproject.toml",
    "release.json",
    "uv.lock",
    f"{PROJECT['name']}-{PROJECT['version']}-py3-none-any.whl",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tag_push(tag: str, sha: str) -> dict[str, Any]:
    """The `push` event of a tag."""
    return {
        "ref": f"refs/tags/{tag}",
        "ref_type": "tag",
        "before": "0" * 40,
        "after": sha,
        "created": True,
        "repository": {"full_name": REPO, "default_branch": "main"},
    }


def head(repo: Path) -> str:
    return run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


def test_release_workflow_publishes_attests_and_builds_the_image(
    workflow_repo: Path,
    run_workflow: Callable[..., ActResult],
    emulator: GitHubEmulator,
    project_root: Path,
) -> None:
    sha = head(workflow_repo)
    run(["gto", "register", "model", "HEAD", "--version", "v1.0.0"], workflow_repo)
    result = run_workflow(".github/workflows/release.yml", "push", tag_push("model@v1.0.0", sha))
    result.check()
    assert "Running stage 'train'" in result.output  # no DVC remote: reproduced
    assert "check-metrics: " in result.output  # ... and equal to the committed metrics.json
    assert "verify-sums: every file listed in dist/release/SHA256SUMS matches" in result.output

    built = result.artifact("release-assets")
    assert {p.name for p in built.iterdir()} == FILES
    listed = dict(
        reversed(line.split("  ", 1))  # type: ignore[misc]
        for line in (built / "SHA256SUMS").read_text().splitlines()
    )
    assert listed == {name: sha256(built / name) for name in FILES - {"SHA256SUMS"}}
    committed = run(["git", "show", "HEAD:reports/metrics.json"], workflow_repo).stdout
    assert json.loads((built / "metrics.json").read_text()) == json.loads(committed)
    contract = run(["git", "show", "HEAD:data/contract.yaml"], workflow_repo).stdout
    assert (built / "contract.yaml").read_text() == contract  # the image serves with it
    info = json.loads((built / "release.json").read_text())
    assert (info["version"], info["tag"], info["git_sha"]) == ("v1.0.0", "model@v1.0.0", sha)
    assert info["repository"] == REPO

    (created,) = emulator.calls("POST", f"/repos/{REPO}/releases$")
    assert created.json["tag_name"] == "model@v1.0.0" and created.token_present
    assert created.json["body"].count("# Model card: model v1.0.0") == 1
    (release,) = emulator.repo(REPO).releases.values()
    uploaded = {a["name"]: a["sha256"] for a in emulator.repo(REPO).assets[release["id"]]}
    assert uploaded == {name: sha256(built / name) for name in FILES}

    # `attest` and `image` both need only `assets`, so act runs them concurrently: by job, not order
    attested = {r["job"]: r for r in result.records("actions/attest-build-provenance")}
    assert set(attested) == {"attest", "image"}
    files_attested, image_attested = attested["attest"], attested["image"]
    assert files_attested["subjects"] == {
        f"dist/release/{name}": sha256(built / name) for name in FILES
    }
    (build,) = result.records("docker/build-push-action")
    assert build["inputs"]["tags"] == f"{IMAGE}:v1.0.0"
    assert build["inputs"]["push"] == "true"
    # the image is built from the release directory alone, with the Dockerfile it carries
    assert build["inputs"]["context"] == "dist/release"
    assert build["inputs"]["file"] == "dist/release/Dockerfile"
    assert "build-args" not in build["inputs"] or not build["inputs"]["build-args"]
    assert build["inputs"]["cache-from"] == "type=gha"
    assert build["inputs"]["cache-to"] == "type=gha,mode=max"
    assert image_attested["inputs"]["subject-name"] == IMAGE
    assert image_attested["inputs"]["subject-digest"] == build["digest"]
    assert image_attested["inputs"]["push-to-registry"] == "true"
    (login,) = result.records("docker/login-action")
    assert login["inputs"]["registry"] == "ghcr.io" and login["inputs"]["password"] == "<set>"

    workflow = yaml.safe_load((project_root / ".github/workflows/release.yml").read_text())
    image_steps = workflow["jobs"]["image"]["steps"]
    assert not [step for step in image_steps if "checkout" in step.get("uses", "")]
    runs = [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]
    assert "make verify-sums" in runs and not [r for r in runs if "sha256sum" in r]
    permissions = {job: set(spec["permissions"]) for job, spec in workflow["jobs"].items()}
    assert permissions == {
        "assets": {"contents"},
        "attest": {"contents", "id-token", "attestations"},
        "publish": {"contents"},
        "image": {"contents", "packages", "id-token", "attestations"},
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_promote_workflow_smoke_tests_and_records_the_deployment(
    workflow_repo: Path,
    run_workflow: Callable[..., ActResult],
    emulator: GitHubEmulator,
    reproduced_repo: Path,
    tmp_path: Path,
) -> None:
    reproduced = tmp_path / "reproduced"  # a private copy: the session's repository stays as is
    shutil.copytree(reproduced_repo, reproduced, symlinks=True)
    remote = tmp_path / "dvc-remote"
    run(["dvc", "remote", "add", "--local", "-d", "storage", str(remote)], reproduced)
    run(["dvc", "push", "-q"], reproduced)
    run(["dvc", "remote", "add", "-d", "storage", str(remote)], workflow_repo)
    sha = commit_all(workflow_repo, "a DVC remote holding the pipeline's outputs")
    run(["gto", "register", "model", "HEAD", "--version", "v1.0.0"], workflow_repo)
    run(["gto", "assign", "model", "--version", "v1.0.0", "--stage", "staging"], workflow_repo)

    result = run_workflow(
        ".github/workflows/promote.yml",
        "push",
        tag_push("model#staging#1", sha),
        variables={"SMOKE_RUNTIME": "host", "SMOKE_PORT": str(free_port())},
    )
    result.check()
    assert "didn't change, skipping" in result.output  # pulled from the remote, not retrained
    assert "smoke: http://127.0.0.1:" in result.output
    assert "serves v1.0.0; 5 records scored" in result.output
    assert result.records("docker/login-action") == []  # no registry in host mode

    (created,) = emulator.calls("POST", f"/repos/{REPO}/deployments$")
    assert created.json["ref"] == sha and created.json["environment"] == "staging"
    assert created.json["payload"] == {"version": "v1.0.0", "image": f"{IMAGE}:v1.0.0"}
    assert created.json["production_environment"] is False
    (deployment,) = emulator.repo(REPO).deployments.values()
    states = [s["state"] for s in emulator.repo(REPO).statuses[deployment["id"]]]
    assert states == ["in_progress", "success"]
