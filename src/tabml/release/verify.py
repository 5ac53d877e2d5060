"""Check a downloaded release against its build provenance before serving it.

`SHA256SUMS` travels with the files it describes: whoever can swap `model.skops` can recompute it,
so it catches corruption, not tampering. The release workflow attests every release file
(`actions/attest-build-provenance`, signed with Sigstore through GitHub's OIDC issuer), and
`gh attestation verify` checks each file's digest against an attestation made by this
repository's release workflow, which a changed file cannot have.

Run as `python -m tabml.release.verify` (what `make verify-release` does).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from tabml.errors import TabmlError

RELEASE_WORKFLOW = ".github/workflows/release.yml"
REQUIRED = ("model.skops", "SHA256SUMS")
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")


def verify_release(release_dir: Path, repo: str) -> list[Path]:
    """Run `gh attestation verify` on every file of the release; return them when all pass."""
    if not _REPO.fullmatch(repo):
        raise TabmlError(f"--repo '{repo}' is not owner/name")
    if not release_dir.is_dir():
        raise TabmlError(f"{release_dir}: release directory not found")
    files = sorted(path for path in release_dir.iterdir() if path.is_file())
    missing = [name for name in REQUIRED if not (release_dir / name).is_file()]
    if missing:
        raise TabmlError(f"{release_dir}: no {' or '.join(missing)}, so this is not a release")
    gh = shutil.which("gh")
    if gh is None:
        raise TabmlError(
            "gh (the GitHub CLI) is not on PATH, so the release was not verified: install it "
            "from https://cli.github.com, run `gh auth login`, and run this again"
        )
    failed: list[tuple[str, str]] = []
    for path in files:
        command = [gh, "attestation", "verify", str(path), "--repo", repo]
        command += ["--signer-workflow", f"{repo}/{RELEASE_WORKFLOW}"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            failed.append((path.name, lines[-1] if lines else f"exit {done.returncode}"))
    if failed:
        names = ", ".join(name for name, _ in failed)
        raise TabmlError(
            f"{release_dir}: {len(failed)} of {len(files)} files failed gh attestation verify "
            f"against {repo}'s release workflow ({names}; {failed[0][0]}: {failed[0][1]}), "
            "so do not serve this release"
        )
    return files


def main(
    release_dir: Annotated[Path, typer.Option("--dir", help="The downloaded release.")],
    repo: Annotated[str, typer.Option("--repo", help="owner/name of the repository on GitHub.")],
) -> None:
    """Verify every file of a downloaded release with `gh attestation verify`."""
    try:
        files = verify_release(release_dir, repo)
    except TabmlError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"verify-release: all {len(files)} files of {release_dir} were attested by "
        f"{repo}'s release workflow"
    )


if __name__ == "__main__":
    typer.run(main)
