"""The order `make test` hands test files to its workers (tests/scheduling.py): a package whose
fixtures are package-scoped runs as one unit, units go out longest first, and each run remembers
its units' seconds for the next."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.scheduling import CACHE_KEY, unit_of
from tests.support import ROOT, tool_env

PACKAGE_FIXTURE = """
import pytest
from pathlib import Path

@pytest.fixture(scope="package")
def server():
    with Path("setups.txt").open("a") as log:  # one line per set-up of the fixture
        log.write("up\\n")
"""


def write_tests(path: Path, count: int, fixture: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tests = (f"def test_{i}({fixture}): pass\n" for i in range(count))
    path.write_text("".join(tests))


def test_a_package_with_package_scoped_fixtures_is_one_unit(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "inner").mkdir(parents=True)
    (tmp_path / "pkg" / "conftest.py").write_text(PACKAGE_FIXTURE)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "conftest.py").write_text('@pytest.fixture(scope="module")\n')
    assert unit_of("pkg/test_a.py::test_x", tmp_path) == "pkg"
    assert unit_of("pkg/inner/test_b.py::test_y[1]", tmp_path) == "pkg"
    assert unit_of("other/test_c.py::test_z", tmp_path) == "other/test_c.py"
    assert unit_of("test_d.py::test_w", tmp_path) == "test_d.py"


def test_one_worker_sets_the_package_up_once_and_runs_the_longest_unit_first(
    tmp_path: Path,
) -> None:
    """With the stock order (most tests first: a, pkg/test_one, b, pkg/test_two) one worker
    would leave the package for b and set its fixture up twice, and run b third. Here b goes
    first (the cache says it took longest, with the same tests), then the package (12 tests) as
    one unit, then a (its cached figure was for another set of tests: counted by tests)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "conftest.py").write_text(PACKAGE_FIXTURE)
    write_tests(tmp_path / "test_a.py", 10)
    write_tests(tmp_path / "pkg" / "test_one.py", 8, "server")
    write_tests(tmp_path / "test_b.py", 6)
    write_tests(tmp_path / "pkg" / "test_two.py", 4, "server")
    # the last run's seconds: b was the longest, with the same 6 tests; a's count has changed
    cached = tmp_path / ".pytest_cache" / "v" / CACHE_KEY
    cached.parent.mkdir(parents=True)
    cached.write_text(json.dumps({"test_b.py": [90.0, 6], "test_a.py": [500.0, 3]}))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.scheduling", "-n", "1", "--dist",
         "loadfile", "-v", "-p", "no:randomly", "-p", "no:hydra_pytest"],
        cwd=tmp_path, env=tool_env(PYTHONPATH=str(ROOT)), capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "setups.txt").read_text() == "up\n"
    ran = re.findall(r"PASSED (\S+?)::", done.stdout)
    files = [name for i, name in enumerate(ran) if i == 0 or ran[i - 1] != name]
    assert files == ["test_b.py", "pkg/test_one.py", "pkg/test_two.py", "test_a.py"]
    remembered = json.loads(cached.read_text())
    assert {unit: size for unit, (_, size) in remembered.items()} == {
        "test_a.py": 10,
        "test_b.py": 6,
        "pkg": 12,
    }
