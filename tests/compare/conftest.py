"""Session-scoped report scenarios (each runs real `dvc repro` and `tabml report` once)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.compare.scenarios import Change, Outcome, run_scenario


@pytest.fixture(scope="session")
def scenario(
    reproduced_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Outcome]:
    """Run a named scenario once per session (scenarios are expensive: real dvc repro)."""
    cache: dict[str, Outcome] = {}

    def get(name: str, change: Change | None, reproduce: bool = True) -> Outcome:
        if name not in cache:
            cache[name] = run_scenario(
                reproduced_repo, tmp_path_factory.mktemp(name), change, reproduce
            )
        return cache[name]

    return get
