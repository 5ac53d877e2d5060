"""bench/stage_imports.py: reading `python -X importtime` and what skops's share means."""

from __future__ import annotations

import subprocess
import sys

import pytest

from measure import Timing
from stage_imports import STAGES, StageImports, stage_import_lines, top_level_imports

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   _io
import time:       300 |     200000 | pandas
import time:        50 |        150 |     pandas.core
import time:       200 |     450000 | skops.io
import time:        20 |         20 | skops
import time:        10 |     100000 | pandas
a line of the program's own output | with | bars
"""


def test_top_level_imports_sums_each_first_level_import_and_skips_nested_ones() -> None:
    found = top_level_imports(IMPORTTIME)
    assert found == pytest.approx({"pandas": 0.3, "skops.io": 0.45, "skops": 2e-05})


def test_top_level_imports_reads_what_python_writes() -> None:
    code = "import json, email.message"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    found = top_level_imports(done.stderr)
    assert {"json", "email.message"} <= set(found)
    assert all(seconds > 0 for seconds in found.values())


def test_lines_attribute_skops_and_say_the_ratio_without_it() -> None:
    result = StageImports(
        dict.fromkeys(STAGES, 1.0), {s: 0.5 if s in ("train", "evaluate") else 0.0 for s in STAGES}
    )
    lines = stage_import_lines(result, [Timing(10.0, 10.0)], [Timing(4.5, 4.5)])
    text = "\n".join(lines)
    assert "| `tabml train` | 1.00 s | 0.50 s |" in text
    assert "| all five | 5.00 s | 1.00 s |" in text
    assert "would take about 9.00 s, 2.0x the floor" in text
