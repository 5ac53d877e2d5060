"""Pipeline benchmarks: what DVC, installing and bigger data cost. Results: docs/performance.md.

    python bench/pipeline.py [--runs 3] [--skip-install] [--scales 1,4,16] [--threads 1]
                             [--write docs/performance.md]

1. `dvc repro --force` in a scratch copy of the repository against the one-process floor
   (bench/one_process.py: the four stage functions in one fresh Python process).
2. A no-op `dvc repro`.
3. Installing the locked dependencies from PyPI without a cache: `uv sync` against `pip install`.
4. The one-process pipeline on the bundled data replicated x1, x4, x16: seconds and peak memory.

Every figure is the median of `--runs` runs, as wall-clock and CPU seconds; the runs that a ratio
compares are interleaved so that it holds on a busy machine. The pipeline runs use one OpenMP/BLAS
thread unless `--threads` says otherwise: with one thread per core (the libraries' default), a
HistGradientBoosting fit slowed down tenfold here while other processes used the cores.
Progress goes to stderr, the markdown section to stdout (with `--write`, between this script's
markers in that file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from tabml.progress import track

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ONE_PROCESS = Path("bench/one_process.py")
START_MARK = "<!-- bench:pipeline:start -->"
END_MARK = "<!-- bench:pipeline:end -->"
PARAMS = Path("params.yaml")
STAGES = ("prepare", "featurize", "train", "evaluate")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
PYPI = "https://pypi.org/simple"
PACKAGES = ("dvc", "scikit-learn", "pandas", "numpy", "pyarrow", "pandera", "skops", "pydantic")
DOC_INTRO = """# Performance

What the template costs in time and memory, measured by the scripts in `bench/` with
`make bench`. Each section below is generated between its `<!-- bench:...:start -->` and
`<!-- bench:...:end -->` markers: rerun the benchmark to refresh it rather than editing it.
"""

# Targets (issue 2).
MAX_REPRO_OVER_FLOOR = 2.5
MAX_NOOP_SECONDS = 1.0
MIN_PIP_OVER_UV = 5.0
MAX_GROWTH_EXPONENT = 1.1

# Reference figures taken on the 2-core development machine before this pipeline existed: a toy
# dataset (breast_cancer), and dvc, scikit-learn, pandas, pyarrow, pytest, matplotlib installed.
REFERENCE = {"repro": 5.87, "floor": 1.56, "noop": 0.55, "pip": 45.7, "uv_compiled": 16.6}


class BenchError(RuntimeError):
    """A benchmarked command failed; the message holds the end of its output."""


# Pure helpers: numbers, markdown, data.


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
    """PASS, or FAIL in bold."""
    return "PASS" if passed else "**FAIL**"


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


def replicate_csv(text: str, copies: int) -> str:
    """The header once, then the data rows `copies` times."""
    if copies < 1:
        raise ValueError("copies must be at least 1")
    header, _, rows = text.partition("\n")
    if rows and not rows.endswith("\n"):
        rows += "\n"
    return f"{header}\n{rows * copies}"


def parse_scales(text: str) -> list[int]:
    """`1,4,16` -> [1, 4, 16]; an empty string skips the scaling runs."""
    scales = sorted({int(part) for part in text.split(",") if part.strip()})
    if any(scale < 1 for scale in scales):
        raise argparse.ArgumentTypeError("scales are positive whole numbers, such as 1,4,16")
    return scales


# Running and measuring commands.


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
    """The venv's tools first on PATH, no DVC analytics, an isolated git identity."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DVC_"))}
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


def copy_repo(target: Path) -> Path:
    """Copy the files a clone would have (tracked, or new and not ignored) into a fresh git repo."""
    listing = git_output("ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listing.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    env = tool_env()
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=target, env=env, check=True, capture_output=True)
    return target


@dataclass(frozen=True)
class FloorRun:
    """One run of bench/one_process.py: in total, and split as the script reports it."""

    total: Timing
    imports: Timing
    work: Timing
    max_rss_mib: float


@dataclass(frozen=True)
class Snapshot:
    """A scratch git copy of the repository. Every run imports its code (PYTHONPATH), so edits
    made to the working tree while the benchmark runs cannot change what is measured."""

    repo: Path
    env: dict[str, str]

    @classmethod
    def create(cls, scratch: Path, threads: int) -> Snapshot:
        """Copy the repository into `scratch`; pin math libraries to `threads` (0: default)."""
        repo = copy_repo(scratch / "repo")
        extra = {"PYTHONPATH": str(repo / "src"), "DVC_SITE_CACHE_DIR": str(scratch / "dvc-site")}
        if threads > 0:
            extra |= dict.fromkeys(THREAD_VARS, str(threads))
        return cls(repo, tool_env(**extra))

    def project(self, target: Path, copies: int) -> int:
        """A project (no git) with the raw table replicated `copies` times; returns its rows."""
        data = yaml.safe_load((self.repo / PARAMS).read_text(encoding="utf-8"))["data"]
        raw, contract = Path(data["path"]), Path(data["contract"])
        for name in (PARAMS, contract, raw):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.repo / PARAMS, target / PARAMS)
        shutil.copy2(self.repo / contract, target / contract)
        table = replicate_csv((self.repo / raw).read_text(encoding="utf-8"), copies)
        (target / raw).write_text(table, encoding="utf-8")
        return table.count("\n") - 1

    def floor(self, project: Path) -> FloorRun:
        """The whole pipeline in one fresh Python process (imports included)."""
        run = measure([sys.executable, str(self.repo / ONE_PROCESS)], project, self.env)
        report = json.loads(run.output.strip().splitlines()[-1])
        imports, work = (Timing(**report[part]) for part in ("imports", "work"))
        return FloorRun(run.timing, imports, work, run.max_rss_mib)


# The benchmarks.


@dataclass(frozen=True)
class PipelineResult:
    """Full and no-op `dvc repro`, the four CLI commands and the one-process floor."""

    repro: list[Timing]
    commands: list[Timing]
    floor: list[FloorRun]
    noop: list[Timing]
    same_metrics: bool


@dataclass(frozen=True)
class InstallResult:
    """Wall-clock seconds to install the locked runtime dependencies into a fresh venv."""

    packages: int
    pip_version: str
    uv_plain: list[float]
    uv_compiled: list[float]
    pip: list[float]


@dataclass(frozen=True)
class ScaleResult:
    """The one-process pipeline on the bundled data replicated `copies` times."""

    copies: int
    rows: int
    runs: list[FloorRun]


def bench_pipeline(snapshot: Snapshot, scratch: Path, runs: int) -> PipelineResult:
    """`dvc repro --force`, the four `tabml` commands and the floor, interleaved; then no-ops."""
    repo, env = snapshot.repo, snapshot.env
    floor_project = scratch / "floor"
    snapshot.project(floor_project, 1)
    log("warm-up: dvc repro in a scratch copy of the repository")
    measure(["dvc", "repro"], repo, env)
    repro, commands, floor = [], [], []
    for number in range(1, runs + 1):
        log(f"run {number}/{runs}: dvc repro --force, the four tabml commands, one process")
        repro.append(measure(["dvc", "repro", "--force"], repo, env).timing)
        stage_runs = [measure(["tabml", stage], floor_project, env).timing for stage in STAGES]
        commands.append(sum(stage_runs[1:], stage_runs[0]))
        floor.append(snapshot.floor(floor_project))
    noop = []
    for _ in range(runs):
        run = measure(["dvc", "repro"], repo, env)
        if "up to date" not in run.output:
            raise BenchError(f"`dvc repro` after a full run was not a no-op:\n{run.output}")
        noop.append(run.timing)
    metrics = Path("reports/metrics.json")
    same = (repo / metrics).read_bytes() == (floor_project / metrics).read_bytes()
    return PipelineResult(repro, commands, floor, noop, same)


def install_env(**extra: str) -> dict[str, str]:
    """No local wheel dirs, mirrors or config files: both installers fetch from pypi.org."""
    keep = {"PIP_CERT", "PIP_DEFAULT_TIMEOUT", "UV_NATIVE_TLS", "UV_HTTP_TIMEOUT"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_")) or k in keep}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", UV_NO_CONFIG="1")
    env.update(extra)
    return env


def find_uv() -> str:
    """The venv's uv (a locked dev dependency), else the private copy of `make setup`."""
    for found in (Path(sys.executable).parent / "uv", ROOT / ".tools" / "bin" / "uv"):
        if found.is_file():
            return str(found)
    raise BenchError("uv not found in the venv or in .tools/bin; run `make setup` first")


def export_requirements(uv: str, project: Path) -> tuple[Path, int]:
    """The lock's runtime pins as a requirements file for pip, and how many packages it names."""
    requirements = project / "requirements.txt"
    export = [uv, "export", "--frozen", "--no-hashes", "--no-dev", "--no-emit-project"]
    measure([*export, "-o", str(requirements)], project, install_env())
    lines = requirements.read_text(encoding="utf-8").splitlines()
    return requirements, sum(1 for line in lines if line and not line.startswith((" ", "#")))


def time_uv_sync(uv: str, project: Path, venv: Path, compile_bytecode: bool) -> float:
    """`uv sync` of the runtime pins into a new venv, without a cache."""
    sync = [uv, "sync", "--frozen", "--no-cache", "--no-dev", "--no-install-project"]
    sync += ["--python", sys.executable]
    env = install_env(UV_PROJECT_ENVIRONMENT=str(venv))
    if compile_bytecode:
        sync.append("--compile-bytecode")
    else:
        env["UV_COMPILE_BYTECODE"] = "0"
    elapsed = measure(sync, project, env).timing.wall
    shutil.rmtree(venv)
    return elapsed


def time_pip_install(requirements: Path, venv: Path) -> tuple[float, str]:
    """`pip install` of the same pins into a venv made (and pip upgraded) beforehand, untimed."""
    env = install_env()
    measure([sys.executable, "-m", "venv", str(venv)], venv.parent, env)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    measure([*pip, "install", "--quiet", "--index-url", PYPI, "--upgrade", "pip"], venv, env)
    version = measure([*pip, "--version"], venv, env).output.split()[1]
    install = [*pip, "install", "--no-cache-dir", "--index-url", PYPI, "-r", str(requirements)]
    elapsed = measure(install, venv, env).timing.wall
    shutil.rmtree(venv)
    return elapsed, version


def bench_install(scratch: Path, runs: int) -> InstallResult:
    """uv sync (with and without bytecode) and pip install of the same pins, interleaved."""
    uv = find_uv()
    project = scratch / "install"
    project.mkdir()
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    requirements, packages = export_requirements(uv, project)
    uv_plain, uv_compiled, pip, pip_version = [], [], [], ""
    for number in range(1, runs + 1):
        log(f"install run {number}/{runs}: uv sync, uv sync --compile-bytecode, pip install")
        uv_plain.append(time_uv_sync(uv, project, scratch / "uv-plain", compile_bytecode=False))
        uv_compiled.append(
            time_uv_sync(uv, project, scratch / "uv-bytecode", compile_bytecode=True)
        )
        elapsed, pip_version = time_pip_install(requirements, scratch / "pip")
        pip.append(elapsed)
    return InstallResult(packages, pip_version, uv_plain, uv_compiled, pip)


def bench_scaling(
    snapshot: Snapshot, scratch: Path, scales: Sequence[int], runs: int, reuse: list[FloorRun]
) -> list[ScaleResult]:
    """The one-process pipeline on replicated data (x1 reuses the floor's runs)."""
    results = []
    for copies in scales:
        project = scratch / f"scale-x{copies}"
        rows = snapshot.project(project, copies)
        floor_runs = list(reuse) if copies == 1 else []
        while len(floor_runs) < runs:
            log(f"scaling x{copies} ({rows:,} rows): run {len(floor_runs) + 1}/{runs}")
            floor_runs.append(snapshot.floor(project))
        results.append(ScaleResult(copies, rows, floor_runs))
        shutil.rmtree(project)
    return results


# Rendering.


def summary_rows(
    pipeline: PipelineResult, install: InstallResult | None, scaling: Sequence[ScaleResult]
) -> list[list[str]]:
    """One row per target: what, measured, target, verdict."""
    floor = [run.total for run in pipeline.floor]
    repro, base = median(walls(pipeline.repro)), median(walls(floor))
    repro_cpu = median(cpus(pipeline.repro)) / median(cpus(floor))
    noop = median(walls(pipeline.noop))
    rows = [
        [
            "full `dvc repro --force` / one-process floor",
            f"{times(repro / base)} ({seconds(repro)} / {seconds(base)}); CPU {times(repro_cpu)}",
            f"≤ {MAX_REPRO_OVER_FLOOR}x",
            verdict(repro / base <= MAX_REPRO_OVER_FLOOR),
        ],
        [
            "no-op `dvc repro`",
            f"{seconds(noop)} (CPU {seconds(median(cpus(pipeline.noop)))})",
            f"< {MAX_NOOP_SECONDS:.0f} s",
            verdict(noop < MAX_NOOP_SECONDS),
        ],
    ]
    what = "install from the lock: pip / `uv sync --compile-bytecode`"
    if install is None:
        rows.append([what, "skipped", f"≥ {MIN_PIP_OVER_UV:.0f}x", "-"])
    else:
        pip, uv = median(install.pip), median(install.uv_compiled)
        measured = f"{times(pip / uv)} ({seconds(pip)} / {seconds(uv)})"
        rows.append(
            [what, measured, f"≥ {MIN_PIP_OVER_UV:.0f}x", verdict(pip / uv >= MIN_PIP_OVER_UV)]
        )
    if len(scaling) >= 2:
        rows_of = [result.rows for result in scaling]
        wall_k = growth_exponent(rows_of, [median(walls(r.work for r in s.runs)) for s in scaling])
        cpu_k = growth_exponent(rows_of, [median(cpus(r.work for r in s.runs)) for s in scaling])
        rows.append(
            [
                f"scaling x{scaling[0].copies} to x{scaling[-1].copies}: work time ~ rows^k",
                f"k = {wall_k:.2f} (CPU {cpu_k:.2f})",
                f"k ≤ {MAX_GROWTH_EXPONENT} (linear)",
                verdict(wall_k <= MAX_GROWTH_EXPONENT),
            ]
        )
    return rows


def pipeline_rows(result: PipelineResult) -> list[list[str]]:
    """The rows of the full-pipeline table: wall and CPU medians, and every run's wall time."""
    floor = result.floor
    rest = [run.total - run.imports - run.work for run in floor]
    indent = "&nbsp;&nbsp;&nbsp;&nbsp;"
    named: list[tuple[str, list[Timing]]] = [
        ("`dvc repro --force`: four stages, one `tabml` process each", result.repro),
        ("the four `tabml` commands in a row, without DVC", result.commands),
        ("one process (`bench/one_process.py`)", [run.total for run in floor]),
        (
            f"{indent}imports (tabml, pandas, scikit-learn, pandera, skops)",
            [r.imports for r in floor],
        ),
        (f"{indent}work (read CSV, four stages, write outputs)", [run.work for run in floor]),
        (f"{indent}interpreter start-up and exit", rest),
        ("no-op `dvc repro` (nothing changed)", result.noop),
    ]
    return [
        [name, seconds(median(walls(runs))), seconds(median(cpus(runs))), run_list(walls(runs))]
        for name, runs in named
    ]


def install_lines(install: InstallResult | None) -> list[str]:
    """Markdown lines for the install comparison."""
    if install is None:
        return ["Skipped (`--skip-install`)."]
    pip = median(install.pip)
    named = [
        ("`uv sync --frozen --no-cache`, no bytecode", install.uv_plain),
        ("`uv sync --frozen --no-cache --compile-bytecode`", install.uv_compiled),
        (
            f"`pip install --no-cache-dir -r requirements.txt` (pip {install.pip_version})",
            install.pip,
        ),
    ]
    rows = [
        [name, seconds(median(runs)), run_list(runs), times(pip / median(runs))]
        for name, runs in named
    ]
    return [
        f"The {install.packages} runtime packages pinned in `uv.lock` (no dev group, not the "
        "project itself), each time into a fresh virtual environment, downloaded from pypi.org "
        "without a cache. pip installs the same pins, exported with `uv export --frozen "
        "--no-hashes --no-dev --no-emit-project`, into a venv made beforehand (untimed, pip "
        "upgraded). pip compiles bytecode while installing, so like with like is pip against "
        "`uv sync --compile-bytecode`, which is also the project's setting (`[tool.uv]` in "
        "pyproject.toml); without it uv leaves compilation to the first import of each module.",
        "",
        markdown_table(["installer", "wall", "runs (s)", "pip / this"], rows),
    ]


def scaling_lines(scaling: Sequence[ScaleResult]) -> list[str]:
    """Markdown lines for the scaling table."""
    if not scaling:
        return ["Skipped (`--scales ''`)."]
    rows = [
        [
            f"x{result.copies}",
            f"{result.rows:,}",
            seconds(median(walls(run.total for run in result.runs))),
            seconds(median(walls(run.work for run in result.runs))),
            seconds(median(cpus(run.work for run in result.runs))),
            seconds(median(walls(run.work for run in result.runs)) / result.rows * 100_000),
            f"{median(run.max_rss_mib for run in result.runs):,.0f} MiB",
        ]
        for result in scaling
    ]
    header = ["data", "rows", "total", "work", "work CPU", "work per 100k rows", "peak RSS"]
    lines = [
        "The one-process pipeline on the bundled CSV with its rows repeated: the split, the model "
        "and the evaluation all see the bigger table (permutation importance samples at most "
        "`evaluate.importance_max_rows` rows).",
        "",
        markdown_table(header, rows),
    ]
    if len(scaling) >= 2:
        sizes = [result.rows for result in scaling]
        memory = [median(run.max_rss_mib for run in result.runs) for result in scaling]
        lines += [
            "",
            "k is the slope of log(work seconds) against log(rows): 1 is linear; fixed costs keep "
            "it below 1 on small data. Peak memory (of the whole process, imports included) "
            f"grows as rows^{growth_exponent(sizes, memory):.2f} over the same range.",
        ]
    return lines


def machine_lines(threads: int, load: tuple[float, float]) -> list[str]:
    """What the numbers were measured on, as markdown bullets."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in PACKAGES)
    uv_version = measure([find_uv(), "--version"], ROOT, dict(os.environ)).output.split()[1]
    pinned = "the libraries' default (one per core)"
    if threads:
        pinned = (
            f"{threads} (`{THREAD_VARS[0]}={threads}`, `--threads`): OpenMP's default of one "
            "thread per core slows down many times over when other processes compete for the cores"
        )
    return [
        f"- CPU: {cpu}, {len(os.sched_getaffinity(0))} cores available (nproc); "
        f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end",
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- {versions}, uv {uv_version}",
        f"- math-library threads in the pipeline runs: {pinned}",
    ]


def reference_sentence(pipeline: PipelineResult, install: InstallResult | None) -> str:
    """One sentence against the reference figures taken before the pipeline existed."""
    ref = REFERENCE
    ratio = median(walls(pipeline.repro)) / median(walls(run.total for run in pipeline.floor))
    text = (
        "For comparison, the reference figures taken on the 2-core development machine before "
        "this pipeline existed (a toy dataset, a smaller package set) were "
        f"{ref['repro']} s for `dvc repro` against {ref['floor']} s in one process "
        f"({times(ref['repro'] / ref['floor'])}; here {times(ratio)}) and {ref['noop']} s for a "
        f"no-op repro (here {seconds(median(walls(pipeline.noop)))})"
    )
    if install is None:
        return text + "."
    uv_ratio = median(install.pip) / median(install.uv_compiled)
    return (
        f"{text}; pip took {ref['pip']} s against {ref['uv_compiled']} s for uv with bytecode "
        f"({times(ref['pip'] / ref['uv_compiled'])}; here {times(uv_ratio)})."
    )


@dataclass(frozen=True)
class Results:
    """Everything one benchmark run measured, and how."""

    pipeline: PipelineResult
    install: InstallResult | None
    scaling: list[ScaleResult]
    runs: int
    threads: int
    load: tuple[float, float]


def render(results: Results) -> str:
    """The markdown section, without its markers."""
    commit = git_output("rev-parse", "--short", "HEAD")
    dirty = " plus uncommitted changes" if git_output("status", "--porcelain") else ""
    pipeline = results.pipeline
    runs = f"the median of {results.runs} runs" if results.runs > 1 else "from a single run"
    metrics_note = (
        "The floor writes the same `reports/metrics.json` as `dvc repro`."
        if pipeline.same_metrics
        else "**The floor's `reports/metrics.json` differs from the one `dvc repro` wrote.**"
    )
    lines = [
        "## Pipeline",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d} at commit `{commit}`{dirty} by "
        f"`bench/pipeline.py` (`make bench`); each figure is {runs}. "
        "The cores were shared with other work while it ran, so wall-clock seconds are noisy; "
        "CPU seconds (user + system, the whole process tree) are steadier, and each ratio "
        "compares runs interleaved within this one benchmark run.",
        "",
        markdown_table(
            ["what", "measured", "target", "result"],
            summary_rows(pipeline, results.install, results.scaling),
        ),
        "",
        "### The full pipeline: DVC against the one-process floor",
        "",
        "`dvc repro --force` runs in a scratch git copy of the repository, after one warm-up "
        "repro. The floor calls the same four stage functions in one fresh Python process "
        "(`bench/one_process.py`), reading the CSV and the contract and writing every output "
        "through `tabml.io`, so imports count on both sides.",
        "",
        markdown_table(["run", "wall", "CPU", "wall of each run (s)"], pipeline_rows(pipeline)),
        "",
        "Where the difference goes: every stage is its own `tabml` process that imports pandas "
        "and scikit-learn again (the four commands against one process), and DVC adds its own "
        "start-up, hashing and caching of the outputs (`dvc repro` against the four commands). "
        f"{metrics_note}",
        "",
        "### Installing from the lock: uv against pip",
        "",
        *install_lines(results.install),
        "",
        "### Scaling with the data",
        "",
        *scaling_lines(results.scaling),
        "",
        "### Machine",
        "",
        *machine_lines(results.threads, results.load),
        "",
        reference_sentence(pipeline, results.install),
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, body: str) -> None:
    """Replace this script's section of `path`, creating the file with an intro if missing."""
    document = path.read_text(encoding="utf-8") if path.exists() else DOC_INTRO
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(document, body), encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--skip-install", action="store_true", help="skip uv against pip")
    parser.add_argument(
        "--scales", type=parse_scales, default=[1, 4, 16], help="data copies, such as 1,4,16"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="OpenMP/BLAS threads in the pipeline runs; 0 keeps the libraries' default "
        "(one per core, which collapses when other processes compete for the cores)",
    )
    parser.add_argument("--write", type=Path, help="replace this section of a markdown file")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.threads < 0:
        parser.error("--runs must be at least 1 and --threads at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark in a scratch directory, print the markdown, optionally write it."""
    args = parse_args(argv)
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="tabml-bench-") as tmp:
        scratch = Path(tmp)
        snapshot = Snapshot.create(scratch, args.threads)
        pipeline = bench_pipeline(snapshot, scratch, args.runs)
        install = None if args.skip_install else bench_install(scratch, args.runs)
        scaling = bench_scaling(snapshot, scratch, args.scales, args.runs, pipeline.floor)
    load = (load_before, os.getloadavg()[0])
    body = render(Results(pipeline, install, scaling, args.runs, args.threads, load))
    print(body)
    if args.write is not None:
        write_section(args.write, body)
        log(f"wrote the pipeline section of {args.write}")
    log(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
