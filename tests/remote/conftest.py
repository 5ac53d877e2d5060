"""Fixtures for the DVC remote tests.

An S3-compatible server (moto's, in a thread of the test process) listens on 127.0.0.1 for the
whole session; each test gets its own bucket. `origin` is the small project reproduced once and
copied per test, with the repository's Makefile, so `make pull` and `make release-model` run as
a workflow runs them.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.remote.remote_repos import FAKE_KEYS, PROJECT_FILES, Bucket, isolated_env, ok
from tests.support import ROOT, write_small_project


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for the whole session."""
    from moto.server import ThreadedMotoServer  # here: importing moto costs every run 0.4 s

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str) -> Bucket:
    """A new, empty bucket."""
    made = Bucket(s3_endpoint, f"dvc-{uuid.uuid4().hex[:12]}")
    made.client().create_bucket(Bucket=made.name)
    return made


@pytest.fixture(scope="session")
def origin_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project, reproduced by `dvc repro` and committed on main (no remote yet)."""
    root = tmp_path_factory.mktemp("remote-origin")
    repo = root / "origin"
    write_small_project(repo)
    for name in PROJECT_FILES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    env = isolated_env(root)
    ok(["git", "init", "-q", "-b", "main"], repo, env)
    ok(["dvc", "init", "-q"], repo, env)
    ok(["dvc", "config", "core.analytics", "false"], repo, env)
    ok(["dvc", "repro", "-q"], repo, env)
    ok(["git", "add", "-A"], repo, env)
    ok(["git", "commit", "-q", "-m", "small project, reproduced"], repo, env)
    return repo


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """This test's isolated environment, with the fake keys that the S3 server accepts."""
    return isolated_env(tmp_path / "env", **FAKE_KEYS)


@pytest.fixture
def origin(origin_template: Path, tmp_path: Path) -> Path:
    """A private copy of the reproduced project: its workspace and local DVC cache included."""
    repo = tmp_path / "origin"
    shutil.copytree(origin_template, repo, symlinks=True)
    return repo
