"""Real servers for the serving tests.

Expensive fixtures, once for the tests/serve package: the small project trained (the four
stages through the CLI) and two `tabml serve` processes on free ports, started in parallel: one
serving a release directory (metrics on, request log on and rotating early, micro-batching on, a
small body limit), one serving the plain model file of the working tree (metrics off, request log
off, micro-batching off, the default body limit). They stop when the last serving test is done.
Cheap function-scoped fixtures hand out clients and paths.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import yaml

from tests.serve.servers import (
    LOG_BACKUPS,
    LOG_MAX_BYTES,
    RELEASE_MAX_BATCH,
    RELEASE_MAX_BODY,
    RELEASE_THRESHOLD,
    Server,
    as_records,
    make_release,
    start,
    stop,
    wait_ready,
    write_params,
)
from tests.support import run


@pytest.fixture(scope="package")
def trained(trained_small: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained small project (four stages through the CLI), committed to git."""
    root = tmp_path_factory.mktemp("served") / "project"
    shutil.copytree(trained_small, root)
    run(["git", "init", "-q", "-b", "main"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", "trained"], root)
    return root


@pytest.fixture(scope="package")
def release_dir(trained: Path) -> Path:
    return make_release(trained, trained / "release")


@pytest.fixture(scope="package")
def servers(trained: Path, release_dir: Path) -> Iterator[dict[str, Server]]:
    """Both servers, started in parallel, stopped when the last serving test is done."""
    configs = {
        "release": (
            release_dir,
            write_params(
                trained,
                "release",
                {
                    "max_batch": RELEASE_MAX_BATCH,
                    "max_body_bytes": RELEASE_MAX_BODY,
                    "prometheus": True,
                    "request_log": {
                        "enabled": True,
                        "path": "logs/release/requests.jsonl",
                        "max_bytes": LOG_MAX_BYTES,
                        "backups": LOG_BACKUPS,
                    },
                },
                evaluate={"threshold": RELEASE_THRESHOLD},
            ),
        ),
        "plain": (
            trained / "models" / "model.skops",
            write_params(
                trained,
                "plain",
                {
                    "micro_batch": False,
                    "request_log": {"enabled": False, "path": "logs/plain/requests.jsonl"},
                },
            ),
        ),
    }
    started = {name: (*start(model, p, trained), p) for name, (model, p) in configs.items()}
    try:
        for process, url, params_file in started.values():
            wait_ready(process, url, params_file.with_suffix(".out"))
        yield {
            name: Server(url, trained, yaml.safe_load(params_file.read_text()), process)
            for name, (process, url, params_file) in started.items()
        }
    finally:
        for process, _, _ in started.values():
            stop(process)


@pytest.fixture
def release_server(servers: dict[str, Server]) -> Server:
    return servers["release"]


@pytest.fixture
def plain_server(servers: dict[str, Server]) -> Server:
    return servers["plain"]


@pytest.fixture
def client(release_server: Server) -> Iterator[httpx.Client]:
    """A client of the release server."""
    with httpx.Client(base_url=release_server.url, timeout=30.0) as session:
        yield session


@pytest.fixture(scope="package")
def test_rows(trained: Path) -> pd.DataFrame:
    """The small project's held-out rows, as prepared by the pipeline."""
    return pd.read_parquet(trained / "data" / "prepared" / "test.parquet")


@pytest.fixture
def record(test_rows: pd.DataFrame) -> dict[str, Any]:
    """One valid record of the small project."""
    first: dict[str, Any] = as_records(test_rows.iloc[:1])[0]
    return first
