"""The order `make test` hands test files to its workers (pytest-xdist's `--dist loadfile`).

Two things the stock scheduler gets wrong for this suite, both costing wall time on 2 cores:
- It sends a package's files to whichever worker is free, one file at a time, so a package-scoped
  fixture (tests/serve starts two `tabml serve` processes) is torn down whenever a worker moves to
  another package and set up again when it comes back: 7 starts in one run instead of 1. A
  package whose conftest.py holds a package-scoped fixture is therefore one unit of work.
- It sends the units with the most tests first, so a unit of few but slow tests (a server, a
  trained project) can start last and keep one core busy alone at the end. Units go out longest
  first instead: the seconds each took in the last full run (pytest's cache), else a hint for the
  few known to be long, else a small cost per test.
Only the order changes: every selected test runs exactly once, as with the stock scheduler.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling

CACHE_KEY = "tabml/xdist-unit-seconds"
SECONDS_PER_TEST = 0.05
# Units known to take long (seconds on one worker of an idle 2-core machine), for a fresh clone
# with no cache; the cache of the last run overrides them.
HINTS = {
    "tests/serve": 20.0,
    "tests/bad_inputs": 18.0,
    "tests/test_model_types.py": 10.0,
    "tests/cli/test_pipeline_cli.py": 8.0,
    "tests/release/test_assets_contract.py": 6.0,
}
SCHEDULER = pytest.StashKey["UnitScheduling"]()


@cache
def shares_package_fixtures(folder: Path) -> bool:
    """Whether `folder`'s conftest.py defines a package-scoped fixture."""
    conftest = folder / "conftest.py"
    return conftest.is_file() and 'scope="package"' in conftest.read_text()


def unit_of(nodeid: str, root: Path) -> str:
    """The unit a test is scheduled with: the outermost package above it that shares fixtures,
    else its file (`root` is the rootdir that node ids are relative to)."""
    path = nodeid.split("::", 1)[0]
    unit, folder = path, path.rpartition("/")[0]
    while folder:
        if shares_package_fixtures(root / folder):
            unit = folder
        folder = folder.rpartition("/")[0]
    return unit


class UnitScheduling(LoadFileScheduling):
    """`--dist loadfile` with package units and the longest units first."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self.root = config.rootpath
        self.seconds: dict[str, float] = {}
        self.sizes: dict[str, int] = {}
        cache_ = getattr(config, "cache", None)
        self.last: dict[str, list[float]] = cache_.get(CACHE_KEY, {}) if cache_ else {}

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid, self.root)

    def estimate(self, unit: str, tests: int) -> float:
        """Seconds the unit should take: last run's figure if it had the same tests."""
        seconds, size = self.last.get(unit, (None, None))
        if seconds is not None and size == tests:
            return float(seconds)
        return HINTS.get(unit, SECONDS_PER_TEST * tests)

    def _assign_work_unit(self, node: Any) -> None:
        if not self.sizes:  # the first assignment: the queue is complete, order it once
            self.sizes = {unit: len(tests) for unit, tests in self.workqueue.items()}
            self.workqueue = OrderedDict(
                sorted(self.workqueue.items(), key=lambda kv: -self.estimate(kv[0], len(kv[1])))
            )
        super()._assign_work_unit(node)

    def mark_test_complete(self, node: Any, item_index: int | str, duration: float = 0) -> None:
        nodeid = self.registered_collections[node][int(item_index)]
        unit = unit_of(nodeid, self.root)
        self.seconds[unit] = self.seconds.get(unit, 0.0) + duration
        super().mark_test_complete(node, item_index, duration)

    def measured(self) -> dict[str, list[float]]:
        """Units of this run with their seconds and number of tests, merged into the last."""
        done = {unit: [round(s, 2), self.sizes[unit]] for unit, s in self.seconds.items()}
        return {**self.last, **done}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> UnitScheduling | None:
    if config.getvalue("dist") != "loadfile":
        return None
    scheduler = UnitScheduling(config, log)
    config.stash[SCHEDULER] = scheduler
    return scheduler


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Remember each unit's seconds for the next run's order (controller only)."""
    scheduler = session.config.stash.get(SCHEDULER, None)
    cache_ = getattr(session.config, "cache", None)
    if scheduler is not None and cache_ is not None and not session.shouldstop:
        cache_.set(CACHE_KEY, scheduler.measured())
