"""`make release` and `make promote`: the preflight checks, then `gto register` / `gto assign`."""

from __future__ import annotations

from pathlib import Path

from tabml.errors import TabmlError
from tabml.platform import git
from tabml.release import preflight, tags


def register(
    version: str,
    *,
    artifact: str = tags.DEFAULT_ARTIFACT,
    main: str | None = None,
    push: bool = False,
    cwd: Path = Path(),
) -> str:
    """Tag HEAD as `artifact@version` when it is releasable; return the tag."""
    tags.check_version(version)
    tag = tags.registration_tag(artifact, version)
    if tags.tag_commit(tag, cwd) is not None:
        raise TabmlError(f"tag '{tag}' already exists; choose a new version")
    sha = git.rev_parse("HEAD", cwd)
    preflight.preflight(sha, preflight.main_ref(main, cwd), cwd)
    args = ["register", artifact, sha, "--version", version]
    tags.gto(*args, *(["--push"] if push else []), cwd=cwd)
    return tag


def promote(
    version: str,
    stage: str,
    *,
    artifact: str = tags.DEFAULT_ARTIFACT,
    main: str | None = None,
    push: bool = False,
    cwd: Path = Path(),
) -> str:
    """Assign `stage` to a registered version when its commit is releasable; return the tag."""
    tags.check_version(version)
    tags.check_stage(stage, cwd)
    registration = tags.registration_tag(artifact, version)
    sha = tags.tag_commit(registration, cwd)
    if sha is None:
        raise TabmlError(
            f"tag '{registration}' does not exist; first run make release VERSION={version}"
        )
    preflight.preflight(sha, preflight.main_ref(main, cwd), cwd)
    before = set(git.git("tag", "--points-at", sha, cwd=cwd).splitlines())
    args = ["assign", artifact, "--version", version, "--stage", stage]
    # GTO refuses to assign a stage that the version held before unless forced: that is exactly
    # a rollback (or a re-deploy), which must stay one plain command.
    again = any(tags.is_assignment(tag, artifact, stage) for tag in before)
    tags.gto(*args, *(["--force"] if again else []), *(["--push"] if push else []), cwd=cwd)
    created = set(git.git("tag", "--points-at", sha, cwd=cwd).splitlines()) - before
    if len(created) != 1:
        raise TabmlError(f"gto assign did not create one tag at {sha[:12]} (got {sorted(created)})")
    return created.pop()
