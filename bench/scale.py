"""Scale benchmark: the whole pipeline (`dvc repro`) on a generated N-row raw table, per N.

    python bench/scale.py --rows 1000000,10000000 [--format parquet|csv] [--git-tracked]
                          [--threads 1] [--json out.json] [--write docs/performance.md]

For each N: a scratch git copy of the repository (the files a clone would have), a table of N
rows shaped like `data.path` (bench/generate.py) at data/raw/scale-N.<format>, tracked by DVC
(`dvc add`, the way a big table is kept, docs/scaling.md) unless `--git-tracked`, and `data.path`
pointing at it. Then one `dvc repro`, while a poller reads /proc every 50 ms: wall seconds and
peak resident memory (RSS, MiB) of the whole process tree, and of each stage's `tabml` process;
CPU seconds of the tree come from wait4. The markdown section (bench/scale_section.py: issue 12's
10M-row targets and the growth exponent, each met or not) goes to stdout, progress to stderr; with
`--write`, it replaces the `bench:scale` section of that file. The machine's load is stated:
numbers from a shared machine are only comparable within one run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import yaml

from generate import generate
from pipeline import THREAD_VARS, copy_repo, log, replace_section, tool_env
from scale_section import END, START, Run, Setup, markdown, render
from tabml.progress import track

# What the tests and bench/report_scale.py use (Run and markdown moved to scale_section.py).
__all__ = [
    "END",
    "START",
    "Run",
    "main",
    "markdown",
    "measure",
    "process_tree",
    "scale_project",
    "set_key",
    "stage_of",
    "tool_env",
    "watch",
]

ROOT = Path(__file__).resolve().parents[1]
PARAMS = Path("params.yaml")
POLL_SECONDS = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")


def process_tree(root: int) -> dict[int, tuple[int, str]]:
    """Every live process under `root` (itself included): pid -> (RSS bytes, command line)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree: dict[int, tuple[int, str]] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            rss = int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * PAGE
            cmd = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError, ValueError):
            continue
        tree[pid] = (rss, cmd.decode(errors="replace"))
        todo.extend(children.get(pid, []))
    return tree


def stage_of(cmd: str, stages: list[str]) -> str | None:
    """The pipeline stage a command line runs (`tabml <stage>`), if any."""
    words = cmd.split()
    for name, following in itertools.pairwise(words):
        if name.endswith("tabml") and following in stages:
            return following
    return None


def watch(cmd: list[str], cwd: Path, env: dict[str, str], stages: list[str], run: Run) -> None:
    """Run `cmd`, polling its process tree until it ends; fill `run`'s wall time and peaks."""
    start = time.perf_counter()
    seen: dict[str, tuple[float, float]] = {}  # stage -> first and last time it was seen
    label = f"[bench] {' '.join(cmd)}"
    with tempfile.TemporaryFile() as output, track(label):  # elapsed time on stderr while it runs
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        while True:
            # wait4 reaps the process and sums the CPU of every descendant it waited for
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter() - start
            tree = process_tree(process.pid)
            run.peak_rss_mib = max(run.peak_rss_mib, sum(r for r, _ in tree.values()) / 2**20)
            for rss, line in tree.values():
                stage = stage_of(line, stages)
                if stage is not None:
                    first = seen.get(stage, (now, now))[0]
                    seen[stage] = (first, now)
                    peak = max(run.stage_rss_mib.get(stage, 0.0), rss / 2**20)
                    run.stage_rss_mib[stage] = peak
            time.sleep(POLL_SECONDS)
        run.wall = time.perf_counter() - start
        run.cpu = usage.ru_utime + usage.ru_stime
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            tail = output.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(cmd)} failed ({process.returncode}):\n{tail}")
    run.stage_wall = {s: last - first + POLL_SECONDS for s, (first, last) in seen.items()}


def set_key(params: dict[str, object], dotted: str, value: object) -> None:
    """Set `split.test_size`-style keys in a loaded params mapping (the sections must exist)."""
    *sections, last = dotted.split(".")
    node = params
    for name in sections:
        child = node.get(name)
        if not isinstance(child, dict):
            raise KeyError(f"params.yaml has no section {name!r} (for {dotted})")
        node = child
    node[last] = value


def scale_project(
    repo: Path,
    rows: int,
    fmt: str,
    dvc_tracked: bool,
    env: dict[str, str],
    *,
    settings: Mapping[str, object] | None = None,
) -> None:
    """Write the N-row table into the copy `repo`, point `data.path` at it, apply `settings`
    (dotted params keys) and commit."""
    params = yaml.safe_load((repo / PARAMS).read_text(encoding="utf-8"))
    data = params["data"]
    source = repo / data["path"]
    na_values = list(data.get("na_values") or [])
    if source.suffix == ".parquet":
        frame = pd.read_parquet(source)
    else:
        frame = pd.read_csv(source, na_values=na_values, skipinitialspace=True)
    table = Path("data/raw") / f"scale-{rows}.{fmt}"
    keep = {data["target"], *(data.get("drop") or []), data.get("id_column") or ""}
    parquet = (repo / table).with_suffix(".parquet")
    with track(f"[bench] generate {rows:,} rows"):
        generate(frame, rows, parquet, seed=0, exclude=keep)
    if fmt == "csv":
        missing = na_values[0] if na_values else ""
        pd.read_parquet(parquet).to_csv(repo / table, index=False, na_rep=missing)
        parquet.unlink()
    data["path"] = str(table)
    for key, value in (settings or {}).items():
        set_key(params, key, value)
    (repo / PARAMS).write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    add = ["dvc", "add", "-q", str(table)] if dvc_tracked else ["git", "add", str(table)]
    subprocess.run(add, cwd=repo, env=env, check=True, capture_output=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True, capture_output=True)
    commit = ["git", "commit", "-q", "-m", f"scale: {rows} rows"]
    subprocess.run(commit, cwd=repo, env=env, check=True, capture_output=True)


def measure(rows: int, fmt: str = "parquet", dvc_tracked: bool = True, threads: int = 1) -> Run:
    """One `dvc repro` of a scratch copy on `rows` generated rows."""
    env = tool_env(**dict.fromkeys(THREAD_VARS, str(threads)), PYTHONPATH=str(ROOT / "src"))
    stages = list(yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"])
    with tempfile.TemporaryDirectory(prefix="tabml-scale-") as scratch:
        repo = copy_repo(Path(scratch))
        env["PYTHONPATH"] = str(repo / "src")
        scale_project(repo, rows, fmt, dvc_tracked, env)
        run = Run(rows=rows, format=fmt)
        before = os.getloadavg()[0]
        watch(["dvc", "repro", "--force"], repo, env, stages, run)
        run.load = (before, os.getloadavg()[0])
    return run


def main(argv: list[str] | None = None) -> int:
    """Measure each size, print the section, and write it into a markdown file when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", required=True, help="comma-separated row counts, e.g. 1000,10000")
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--git-tracked", action="store_true", help="git add the table, not DVC")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the runs as JSON")
    parser.add_argument("--write", type=Path, help="replace the bench:scale section of this file")
    args = parser.parse_args(argv)
    try:
        counts = [int(part) for part in args.rows.split(",") if part.strip()]
    except ValueError:
        parser.error(f"--rows {args.rows!r}: give whole numbers separated by commas")
    if not counts or min(counts) < 1:
        parser.error(f"--rows {args.rows!r}: give at least one row count, each at least 1")
    stages = list(yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"])
    load_before = os.getloadavg()[0]
    runs = []
    for number, rows in enumerate(counts, 1):
        log(f"scale {number}/{len(counts)}: {rows:,} rows, generate the table and dvc repro")
        runs.append(measure(rows, args.format, not args.git_tracked, args.threads))
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(run) for run in runs], indent=2) + "\n")
    order = [s for s in ("validate", "prepare", "featurize", "train", "evaluate") if s in stages]
    setup = Setup(
        args.format, not args.git_tracked, args.threads, (load_before, os.getloadavg()[0])
    )
    section = render(runs, order + [s for s in stages if s not in order], setup)
    print(section)
    if args.write is not None:
        document = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        args.write.write_text(replace_section(document, section, START, END), encoding="utf-8")
        log(f"wrote the scale section of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
