"""The pure helpers of the serving benchmark (bench/serve.py): its markdown section
(serve_markdown.py), the load's percentiles (load_generator.py) and the targets."""

from __future__ import annotations

from pathlib import Path

import pytest

import serve_markdown as bench  # bench/ is on pytest's pythonpath
from load_generator import Load

START, END = bench.START_MARK, bench.END_MARK
OTHER = "<!-- bench:pipeline:start -->\n## Pipeline\nkept\n<!-- bench:pipeline:end -->"


def load(rows: int, concurrency: int, latencies: list[float], seconds: float = 2.0) -> Load:
    return Load(rows, concurrency, seconds, len(latencies), 0, latencies)


def test_replace_section_swaps_only_its_own_block() -> None:
    document = f"# Performance\n\n{OTHER}\n\n{START}\nold\n{END}\n\ntail\n"
    updated = bench.replace_section(document, "## Serving\nnew\n")
    assert updated == f"# Performance\n\n{OTHER}\n\n{START}\n## Serving\nnew\n{END}\n\ntail\n"
    assert bench.replace_section(updated, "## Serving\nnew") == updated


def test_replace_section_appends_when_missing_and_refuses_broken_markers() -> None:
    assert bench.replace_section(f"# Performance\n\n{OTHER}\n", "body") == (
        f"# Performance\n\n{OTHER}\n\n{START}\nbody\n{END}\n"
    )
    for broken in (f"{START}\nno end", f"{END}\n{START}\n", f"{START}{END}{START}{END}"):
        with pytest.raises(ValueError, match="serve"):
            bench.replace_section(broken, "body")


def test_write_section_creates_the_file_with_an_intro(tmp_path: Path) -> None:
    path = tmp_path / "performance.md"
    bench.write_section(path, "## Serving\nnumbers")
    text = path.read_text()
    assert text.startswith("# Performance") and f"{START}\n## Serving\nnumbers\n{END}\n" in text


def test_load_rates_and_percentiles() -> None:
    result = load(100, 16, [float(ms) for ms in range(1, 101)], seconds=4.0)
    assert result.requests_per_second == 25.0
    assert result.rows_per_second == 2500.0
    assert result.percentile(50) == 50.0
    assert result.percentile(99) == 99.0
    assert result.percentile(100) == 100.0


def test_render_reports_ratios_and_targets() -> None:
    measured = {(1, None): 50.0, (1, 1): 100.0, (100, None): 5000.0, (100, 1): 8000.0}
    floors = {1: 100.0, 100: 8000.0}
    fast = [5.0] * 99 + [40.0]
    slow = [5.0] * 98 + [80.0, 90.0]
    results = {
        True: [load(1, 1, fast), load(1, 16, fast * 2), load(100, 1, fast), load(100, 16, fast)],
        False: [load(1, 1, slow), load(1, 16, slow), load(100, 1, slow), load(100, 16, slow)],
    }
    text = bench.render(measured, floors, results, 2.0, Path("models/model.skops"))
    assert "| 1 row | 50 rows/s | 100 rows/s | **100 rows/s** | 10.00 |" in text
    # 200 single-row requests in 2 s at concurrency 16 is 100 rows/s: 100% of the floor
    assert "| on | 1 | 16 | 100 | 100 | 1.00x | 5.0 | 5.0 | 0 |" in text
    assert "| 100% | met |" in text
    assert "| 5.0 ms | met |" in text
    # 100-row requests: 50 requests/s = 5,000 rows/s, 62% of the 8,000 rows/s floor
    assert "| 62% | **missed** |" in text
