"""The fast-path section of bench/serve.py: targets stated as met or missed, with ratios."""

from __future__ import annotations

import serve_fastpath as bench  # bench/ is on pytest's pythonpath
from tabml.serve.fastpath import FAST_MAX_ROWS


def in_process(single_fast_ms: float) -> list[object]:
    return [
        bench.InProcess(1, 9.5, 10.0, single_fast_ms),
        bench.InProcess(FAST_MAX_ROWS, 11.0, 12.0, 4.0),
        bench.InProcess(FAST_MAX_ROWS + 1, 11.0, 12.0, 24.0),
    ]


def test_targets_met_with_ratios_to_the_pipeline() -> None:
    http = {"pipeline": bench.Http(11.0, 40.0), "fast": bench.Http(2.0, 16.0)}
    text = bench.render(in_process(0.4), http, (1.0, 1.5), 5.0)  # type: ignore[arg-type]
    assert "| in-process single-row scoring ≤ 1 ms | 10.00 ms (9.50 ms" in text
    assert "| 0.400 ms | 25x | met |" in text
    assert "| 11.0 ms | 2.0 ms | 5.5x | met |" in text
    assert "| 40.0 ms | 16.0 ms | 2.5x | met |" in text
    assert "load average 1.0 at the start, 1.5 at the end" in text
    assert f"| {FAST_MAX_ROWS} | 11.00 | 12.00 | 4.000 | 3.0x | fast path |" in text
    assert f"| {FAST_MAX_ROWS + 1} | 11.00 | 12.00 | 24.000 | 0.5x | pipeline |" in text


def test_targets_missed_are_marked() -> None:
    http = {"pipeline": bench.Http(11.0, 40.0), "fast": bench.Http(3.5, 25.0)}
    text = bench.render(in_process(1.2), http, (6.0, 7.0), 5.0)  # type: ignore[arg-type]
    assert "| 1.200 ms | 8x | **missed** |" in text
    assert "| 11.0 ms | 3.5 ms | 3.1x | **missed** |" in text
    assert "| 40.0 ms | 25.0 ms | 1.6x | **missed** |" in text
    assert "met |" not in text.split("| rows |")[0]
