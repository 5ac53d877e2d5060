"""bench/startup.py: `tabml --help` against a bare interpreter, and reading -X importtime."""

from __future__ import annotations

import subprocess
import sys

import startup
from measure import Timing

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       120 |        120 |   _io
import time:      3000 |     900000 |     pandas.core.frame
import time:      4000 |    1200000 |   pandas
import time:       500 |     300000 | sklearn
Usage: tabml [OPTIONS] COMMAND [ARGS]...
import time: garbled
"""


def test_parse_importtime_reads_every_module_line_and_nothing_else() -> None:
    found = startup.parse_importtime(IMPORTTIME)
    assert [item.module for item in found] == ["_io", "pandas.core.frame", "pandas", "sklearn"]
    assert found[2] == startup.Imported("pandas", 4000, 1200000)


def test_the_heaviest_packages_are_top_level_and_sorted() -> None:
    found = startup.parse_importtime(IMPORTTIME)
    assert startup.heaviest_packages(found, 2) == [("pandas", 1.2), ("sklearn", 0.3)]


def test_parse_importtime_reads_a_real_python() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "json" in [item.module for item in startup.parse_importtime(done.stderr)]


def rows(help_wall: float, bare_wall: float) -> list[list[str]]:
    result = startup.StartupResult(
        help=[Timing(help_wall, help_wall), Timing(9.0, 9.0), Timing(help_wall, 0.1)],
        bare=[Timing(bare_wall, bare_wall)],
        imports=[],
    )
    return startup.startup_rows(result)


def test_startup_targets_are_both_the_seconds_and_the_ratio() -> None:
    fast = rows(0.3, 0.02)
    assert fast[0][1:] == ["300 ms (CPU 300 ms)", "≤ 500 ms", "met"]
    assert fast[1][1:] == ["15.0x (300 ms / 20 ms)", "≤ 30x", "met"]
    over_ratio = rows(0.45, 0.01)  # under 0.5 s, but 45x a bare interpreter
    assert [row[-1] for row in over_ratio] == ["met", "**not met**"]
    slow = rows(0.6, 0.03)  # 20x, but over 0.5 s
    assert [row[-1] for row in slow] == ["**not met**", "met"]
