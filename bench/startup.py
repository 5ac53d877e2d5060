"""How fast a command starts: `tabml --help` against a bare `python -c pass`.

A person typing `tabml --help`, and each DVC stage, pays the CLI's start-up; the bare
interpreter on the same Python is the floor. The two run interleaved, many times (each is short),
and `python -X importtime` says which packages the help imports.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from measure import BIN, Timing, cpus, log, markdown_table, measure, median, met, run_list, walls

MAX_HELP_SECONDS = 0.5
MAX_HELP_OVER_BARE = 30.0
RUNS_PER_RUN = 5  # start-ups are short: five of each per `--runs`, for a steadier median


@dataclass(frozen=True)
class Imported:
    """One line of `python -X importtime`: a module, its own and cumulative microseconds."""

    module: str
    self_us: int
    cumulative_us: int


@dataclass(frozen=True)
class StartupResult:
    """`tabml --help` and `python -c pass`, interleaved, and what the help imports."""

    help: list[Timing]
    bare: list[Timing]
    imports: list[Imported]


def parse_importtime(text: str) -> list[Imported]:
    """The modules that `python -X importtime` lists in `text`; other lines are ignored."""
    found = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3:
            continue
        self_us, cumulative_us, name = fields
        found.append(Imported(name.strip(), int(self_us), int(cumulative_us)))
    return found


def heaviest_packages(imports: Sequence[Imported], count: int = 5) -> list[tuple[str, float]]:
    """The top-level packages whose own import took longest (cumulative, in seconds)."""
    tops: dict[str, float] = {}
    for item in imports:
        if "." not in item.module:
            tops[item.module] = max(tops.get(item.module, 0.0), item.cumulative_us / 1e6)
    return sorted(tops.items(), key=lambda pair: (-pair[1], pair[0]))[:count]


def ms(value: float) -> str:
    """Milliseconds, for start-up times."""
    return f"{value * 1000:.0f} ms"


def bench_startup(repo: Path, env: dict[str, str], runs: int) -> StartupResult:
    """`tabml --help` (the venv's entry point) and `python -c pass`, interleaved, after a warm-up
    that writes the bytecode; then one `python -X importtime` of the help."""
    tabml = str(BIN / "tabml")
    help_cmd, bare_cmd = [tabml, "--help"], [sys.executable, "-c", "pass"]
    measure(help_cmd, repo, env)
    measure(bare_cmd, repo, env)
    total = runs * RUNS_PER_RUN
    log(f"start-up: tabml --help and python -c pass, {total} times each, interleaved")
    help_runs, bare_runs = [], []
    for _ in range(total):
        help_runs.append(measure(help_cmd, repo, env).timing)
        bare_runs.append(measure(bare_cmd, repo, env).timing)
    profile = measure([sys.executable, "-X", "importtime", tabml, "--help"], repo, env)
    return StartupResult(help_runs, bare_runs, parse_importtime(profile.output))


def startup_rows(result: StartupResult) -> list[list[str]]:
    """The two summary rows: the help's wall time, and its ratio to the bare interpreter."""
    help_wall, bare_wall = median(walls(result.help)), median(walls(result.bare))
    over = help_wall / bare_wall
    return [
        [
            "`tabml --help`",
            f"{ms(help_wall)} (CPU {ms(median(cpus(result.help)))})",
            f"≤ {ms(MAX_HELP_SECONDS)}",
            met(help_wall <= MAX_HELP_SECONDS),
        ],
        [
            "`tabml --help` / bare `python -c pass`",
            f"{over:.1f}x ({ms(help_wall)} / {ms(bare_wall)})",
            f"≤ {MAX_HELP_OVER_BARE:.0f}x",
            met(over <= MAX_HELP_OVER_BARE),
        ],
    ]


def startup_lines(result: StartupResult) -> list[str]:
    """Markdown lines: both commands' runs, and the packages the help spends its time on."""
    rows = [
        [name, ms(median(walls(runs))), ms(median(cpus(runs))), run_list(walls(runs))]
        for name, runs in (
            ("`tabml --help` (the venv's entry point)", result.help),
            ("`python -c pass` (the same interpreter)", result.bare),
        )
    ]
    heavy = ", ".join(f"{name} {ms(took)}" for name, took in heaviest_packages(result.imports))
    return [
        f"Both run {len(result.help)} times, interleaved, after one warm-up that writes the "
        "bytecode (as on a developer's machine); the wall time includes starting the process.",
        "",
        markdown_table(["command", "wall", "CPU", "wall of each run (s)"], rows),
        "",
        f"`python -X importtime` of `tabml --help`: {len(result.imports)} modules imported; "
        f"the heaviest top-level packages (cumulative): {heavy or 'none'}.",
    ]
