"""What every benchmark shares: timings, medians, markdown cells and sections, timed commands.

The benchmark scripts in bench/ import these (bench/pipeline.py re-exports them for the older
`from pipeline import ...` of bench/report.py, bench/scale.py and bench/serve.py).
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tabml.progress import track

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_MARK = "<!-- bench:pipeline:start -->"
END_MARK = "<!-- bench:pipeline:end -->"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
DOC_INTRO = """# Performance

What the template costs in time and memory, measured by the scripts in `bench/` with
`make bench`. Each section below is generated between its `<!-- bench:...:start -->` and
`<!-- bench:...:end -->` markers: rerun the benchmark to refresh it rather than editing it.
"""


class BenchError(RuntimeError):
    """A benchmarked command failed; the message holds the end of its output."""


@dataclass(frozen=True)
class Timing:
    """Wall-clock and CPU (user + system) seconds of one run."""

    wall: float
    cpu: float

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.wall + other.wall, self.cpu + other.cpu)

    def __sub__(self, other: Timing) -> Timing:
        return Timing(self.wall - other.wall, self.cpu - other.cpu)


def median(values: Iterable[float]) -> float:
    """The median of a non-empty collection of numbers."""
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def walls(timings: Iterable[Timing]) -> list[float]:
    """The wall-clock seconds of each run."""
    return [timing.wall for timing in timings]


def cpus(timings: Iterable[Timing]) -> list[float]:
    """The CPU seconds of each run."""
    return [timing.cpu for timing in timings]


def ratio(numerator: Iterable[Timing], denominator: Iterable[Timing]) -> tuple[float, float]:
    """Median wall over median wall, and the same for CPU: how many times slower the first is."""
    top, bottom = list(numerator), list(denominator)
    return (
        median(walls(top)) / median(walls(bottom)),
        median(cpus(top)) / median(cpus(bottom)),
    )


def seconds(value: float) -> str:
    """Seconds with two decimals below 10 s, one above."""
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def times(value: float) -> str:
    """A ratio such as `2.3x`."""
    return f"{value:.1f}x"


def run_list(values: Iterable[float]) -> str:
    """Every run, so that a reader can judge the noise."""
    return ", ".join(f"{value:.2f}" for value in values)


def verdict(passed: bool) -> str:
    """PASS, or FAIL in bold (bench/report.py's wording)."""
    return "PASS" if passed else "**FAIL**"


def met(passed: bool) -> str:
    """The result cell of a target in the pipeline section: met, or not met in bold."""
    return "met" if passed else "**not met**"


def growth_exponent(sizes: Sequence[float], values: Sequence[float]) -> float:
    """The k of `value ~ size**k`: the least-squares slope in log-log space (1 is linear)."""
    if len(sizes) != len(values) or len(set(sizes)) < 2:
        raise ValueError("need values at two or more distinct sizes")
    xs = [math.log(size) for size in sizes]
    ys = [math.log(value) for value in values]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return covariance / sum((x - mean_x) ** 2 for x in xs)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def replace_section(document: str, body: str, start: str = START_MARK, end: str = END_MARK) -> str:
    """Put `body` between the markers, keeping everything else; append it if they are missing."""
    if document.count(start) != document.count(end) or document.count(start) > 1:
        raise ValueError(f"expected {start} and {end} at most once each, as a pair")
    block = f"{start}\n{body.strip()}\n{end}"
    if start not in document:
        return f"{document.rstrip()}\n\n{block}\n" if document.strip() else f"{block}\n"
    before, _, rest = document.partition(start)
    if end not in rest:
        raise ValueError(f"{end} comes before {start}")
    return before + block + rest.partition(end)[2]


def write_section(path: Path, body: str, start: str = START_MARK, end: str = END_MARK) -> None:
    """Replace one section of `path`, creating the file with the intro if it is missing."""
    document = path.read_text(encoding="utf-8") if path.exists() else DOC_INTRO
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(document, body, start, end), encoding="utf-8")


@dataclass(frozen=True)
class Run:
    """One finished command: its timing, the peak memory of its process tree, its output."""

    timing: Timing
    max_rss_mib: float
    output: str


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def command_label(cmd: Sequence[str]) -> str:
    """`dvc repro --force`, `python one_process.py`: the command as a person would say it."""
    words = [Path(word).name if "/" in word else word for word in cmd[:4]]
    words = [word if len(word) <= 40 else word[:37] + "..." for word in words]
    return " ".join(words) + (" ..." if len(cmd) > 4 else "")


def measure(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run a command to completion; wait4 reports the CPU time and peak RSS of its whole tree.

    While it runs, stderr gets its elapsed time every few seconds (tabml.progress), so a long
    repro on a big table is never a silent minute in a log."""
    with tempfile.TemporaryFile("w+") as output, track(f"[bench] {command_label(cmd)}"):
        start = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    if process.returncode != 0:
        raise BenchError(
            f"`{' '.join(cmd)}` failed ({process.returncode}) in {cwd}:\n{text[-3000:]}"
        )
    timing = Timing(wall, usage.ru_utime + usage.ru_stime)
    return Run(timing, usage.ru_maxrss / 1024, text)


def tool_env(**extra: str) -> dict[str, str]:
    """The venv's tools first on PATH, no DVC analytics, an isolated git identity.

    Bytecode is written (PYTHONDONTWRITEBYTECODE dropped), as on a developer's machine or a CI
    runner: otherwise every `tabml` process would compile the scratch copy's modules again."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DVC_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "bench"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "bench@example.com"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env.update(extra)
    return env


def git_output(*args: str, cwd: Path = ROOT) -> str:
    """The stripped stdout of a git command."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def git_commit_all(repo: Path, message: str = "bench") -> None:
    """`git init` (if needed), add everything and commit, with the benchmark's own identity."""
    env = tool_env()
    steps = [["add", "-A"], ["commit", "-q", "-m", message]]
    if not (repo / ".git").exists():
        steps.insert(0, ["init", "-q", "-b", "main"])
    for args in steps:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def copy_repo(target: Path) -> Path:
    """Copy the files a clone would have (tracked, or new and not ignored) into a fresh git repo."""
    listing = git_output("ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listing.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    git_commit_all(target)
    return target
