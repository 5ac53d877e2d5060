"""GTO's tag grammar: `model@v1.2.3` registers a version, `model#prod#3` assigns a stage.

Tags are read and written by GTO (PyPI `gto`), the DVC ecosystem's git-tag model registry: the
artifact (`model`) is declared in dvc.yaml `artifacts:` and the allowed stages in `.gto`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from gto.constants import Action
from gto.tag import parse_name
from gto.versions import SemVer

from tabml.errors import TabmlError
from tabml.platform import git

REGISTRY_CONFIG = Path(".gto")
DEFAULT_ARTIFACT = "model"
REGISTRATION = "registration"
ASSIGNMENT = "assignment"


@dataclass(frozen=True)
class TagInfo:
    """What a registration or stage-assignment tag says, as GTO reads it."""

    tag: str
    event: str
    artifact: str
    version: str
    stage: str | None
    sha: str
    created_at: str

    @property
    def registration_tag(self) -> str:
        """The tag that registered this version, e.g. `model@v1.2.3`."""
        return registration_tag(self.artifact, self.version)


def registration_tag(artifact: str, version: str) -> str:
    """GTO's name for the tag that registers `version` of `artifact`."""
    return f"{artifact}@{version}"


def check_version(version: str) -> str:
    """Refuse a version that GTO would not take (SemVer with a leading `v`)."""
    if not SemVer.is_valid(version):  # type: ignore[no-untyped-call]
        raise TabmlError(
            f"version '{version}' is not SemVer with a leading 'v' (for example v1.2.0)"
        )
    return version


def gto_command() -> str:
    """The `gto` executable of this environment."""
    beside = Path(sys.executable).parent / "gto"
    found = str(beside) if beside.exists() else shutil.which("gto")
    if found is None:
        raise TabmlError("gto is not installed; run `make setup`")
    return found


def gto(*args: str, cwd: Path = Path()) -> str:
    """Run a gto command; a failure becomes one sentence with GTO's own last line."""
    env = {**os.environ, "GTO_EMOJIS": "false"}
    result = subprocess.run(
        [gto_command(), *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0:
        message = " ".join((result.stderr or result.stdout).replace("❌", "").split())
        raise TabmlError(f"gto {args[0]}: {message or 'failed'}")
    return result.stdout


def allowed_stages(root: Path = Path()) -> list[str] | None:
    """The stages listed in `.gto`, or None when every stage name is allowed."""
    path = root / REGISTRY_CONFIG
    if not path.is_file():
        return None
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    stages = config.get("stages") if isinstance(config, dict) else None
    return [str(stage) for stage in stages] if isinstance(stages, list) else None


def check_stage(stage: str, root: Path = Path()) -> str:
    """Refuse a stage that `.gto` does not list."""
    stages = allowed_stages(root)
    if stages is not None and stage not in stages:
        raise TabmlError(
            f"stage '{stage}' is not in the {REGISTRY_CONFIG} stages ({', '.join(stages)})"
        )
    return stage


def parse_tag(tag: str) -> dict[str, object]:
    """The parts of a registration or assignment tag name; anything else is refused."""
    parsed = parse_name(tag, raise_on_fail=False)
    if parsed.get("action") not in (Action.REGISTER, Action.ASSIGN):
        raise TabmlError(
            f"tag '{tag}' is neither a registration (model@v1.2.0) nor a stage assignment "
            "(model#prod#1) in GTO's grammar"
        )
    return dict(parsed)


def tag_info(tag: str, cwd: Path = Path()) -> TagInfo:
    """Read a tag through `gto check-ref`: artifact, version, stage, commit and creation time."""
    parse_tag(tag)
    output = gto("check-ref", "--json", tag, cwd=cwd).strip()
    if not output:
        raise TabmlError(f"tag '{tag}' is not in this repository (fetch tags: git fetch --tags)")
    event = json.loads(output)
    if isinstance(event, list):
        event = event[0]
    stage = event.get("stage")
    if stage is not None:
        check_stage(str(stage), cwd)
    return TagInfo(
        tag=tag,
        event=str(event["event"]),
        artifact=str(event["artifact"]),
        version=str(event["version"]),
        stage=str(stage) if stage is not None else None,
        sha=str(event["commit_hexsha"]),
        created_at=str(event["created_at"]),
    )


def registration_at(sha: str, artifact: str, cwd: Path = Path()) -> str | None:
    """The registration tag of `artifact` that points at `sha`, if there is one."""
    for tag in git.git("tag", "--points-at", sha, cwd=cwd).splitlines():
        parsed = parse_name(tag, raise_on_fail=False)
        if parsed.get("action") == Action.REGISTER and parsed.get("name") == artifact:
            return tag
    return None


def is_assignment(tag: str, artifact: str, stage: str) -> bool:
    """Whether `tag` assigns `stage` to a version of `artifact` (e.g. `model#prod#3`)."""
    parsed = parse_name(tag, raise_on_fail=False)
    return bool(
        parsed.get("action") == Action.ASSIGN
        and parsed.get("name") == artifact
        and parsed.get("stage") == stage
    )


def tag_commit(tag: str, cwd: Path = Path()) -> str | None:
    """The commit a tag points at, or None when the tag does not exist."""
    try:
        return git.git("rev-parse", "--verify", "--quiet", f"{tag_ref(tag)}^{{commit}}", cwd=cwd)
    except TabmlError:
        return None


def tag_ref(tag: str) -> str:
    """The full git ref of a tag."""
    return f"refs/tags/{tag}"


def check_tag(
    tag: str, main: str | None = None, repo: str | None = None, event: str | None = None
) -> dict[str, str]:
    """The release workflows' gate on their trigger: the tag parses, is of kind `event` when
    given, points at HEAD and is on main. Returns the step outputs (with the image name when
    `repo` is given)."""
    from tabml.release import preflight  # preflight reads params and dvc.lock: only here

    info = tag_info(tag)
    if event is not None and info.event != event:
        raise TabmlError(f"tag '{tag}' is a GTO {info.event}, not a {event}")
    head = git.rev_parse("HEAD")
    if info.sha != head:
        raise TabmlError(f"tag '{tag}' points at {info.sha[:12]}, not at HEAD {head[:12]}")
    preflight.check_on_main(info.sha, preflight.main_ref(main))
    values = {
        "artifact": info.artifact,
        "version": info.version,
        "stage": info.stage or "",
        "event": info.event,
        "sha": info.sha,
        "registration_tag": info.registration_tag,
    }
    if repo:
        values["image_name"] = f"ghcr.io/{repo.lower()}"
        values["image"] = f"{values['image_name']}:{info.version}"
    return values
