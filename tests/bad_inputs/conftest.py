"""The two expensive fixtures of the corpus, once for the package: the fork server that runs the
CLI cases and the HTTP cases' server, and the good project every case copies. Package-scoped, so
that `make test` hands the package's files to one worker (tests/scheduling.py), which pays for
them once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.bad_inputs.corpus import write_project
from tests.bad_inputs.fork_server import ForkServer


@pytest.fixture(scope="package")
def fork_server() -> Iterator[ForkServer]:
    server = ForkServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="package")
def good_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with every stage run once (in this process: it is setup, not a case)."""
    from tabml.cli import app

    write_project(root := tmp_path_factory.mktemp("good") / "project")
    with contextlib.chdir(root):
        for stage in ("validate", "prepare", "featurize", "train", "evaluate"):
            result = CliRunner().invoke(app, [stage])
            assert result.exit_code == 0, result.output
    return root
