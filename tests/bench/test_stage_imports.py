"""bench/stage_imports.py: reading `python -X importtime`, and what the shares mean."""

from __future__ import annotations

import subprocess
import sys

import pytest

from measure import Timing
from stage_imports import (
    STAGES,
    StageImports,
    module_import,
    stage_import_lines,
    top_level_imports,
)

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


def test_module_import_finds_a_nested_import_and_is_zero_for_a_missing_one() -> None:
    assert module_import(IMPORTTIME, "pandas.core") == pytest.approx(0.00015)
    assert module_import(IMPORTTIME, "pandas") == pytest.approx(0.2)  # the first, not the sum
    assert module_import(IMPORTTIME, "scipy.stats") == 0.0


def test_module_import_reads_what_python_writes() -> None:
    code = "import email.message"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    inner, outer = (module_import(done.stderr, name) for name in ("email.charset", "email.message"))
    assert 0 < inner < outer


def test_lines_attribute_the_shares_and_say_the_ratios_without_them() -> None:
    model_stages = ("featurize", "train", "evaluate")
    result = StageImports(
        dict.fromkeys(STAGES, 1.0),
        {s: 0.5 if s in ("train", "evaluate") else 0.0 for s in STAGES},
        {s: 0.25 if s in model_stages else 0.0 for s in STAGES},
    )
    lines = stage_import_lines(result, [Timing(10.0, 10.0)], [Timing(5.5, 5.5)])
    text = "\n".join(lines)
    assert "| `tabml train` | 1.00 s | 0.50 s | 0.25 s |" in text
    assert "| `tabml prepare` | 1.00 s | 0.00 s | 0.00 s |" in text
    assert "| all five | 5.00 s | 1.00 s | 0.75 s |" in text
    # the floor pays each share once: 10 - 1 against 5.5 - 0.5; then 10 - 1.75 against 5.5 - 0.75
    assert "about 1.8x the floor (9.00 s against 5.00 s)" in text
    assert "without scipy.stats's as well about 1.7x" in text
    assert "would save one (1.00 s of imports: about 1.6x)" in text
