"""Scale benchmark: the whole pipeline (`dvc repro`) on a generated N-row raw table, per N.

    python bench/scale.py --rows 100000,1000000 [--format parquet|csv] [--git-tracked]
                          [--threads 1] [--json out.json]

For each N: a scratch git copy of the repository (the files a clone would have), a table of N
rows shaped like `data.path` (bench/generate.py) at data/raw/scale-N.<format>, tracked by DVC
(`dvc add`, the way a big table is kept, docs/scaling.md) unless `--git-tracked`, and `data.path`
pointing at it. Then one `dvc repro`, while a poller reads /proc every 50 ms: wall seconds and
peak resident memory (RSS, MiB) of the whole process tree, and of each stage's `tabml` process.
A markdown table goes to stdout (progress to stderr), with the machine's load stated: numbers
from a shared machine are only comparable within one run.
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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from generate import generate
from pipeline import THREAD_VARS, copy_repo, tool_env

ROOT = Path(__file__).resolve().parents[1]
PARAMS = Path("params.yaml")
POLL_SECONDS = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    """One `dvc repro` on `rows` rows: wall seconds and peak RSS (MiB), in total and per stage."""

    rows: int
    format: str
    wall: float = 0.0
    peak_rss_mib: float = 0.0
    stage_wall: dict[str, float] = field(default_factory=dict)
    stage_rss_mib: dict[str, float] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)


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
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        while process.poll() is None:
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
        if process.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(cmd)} failed ({process.returncode}):\n{tail}")
    run.stage_wall = {s: last - first + POLL_SECONDS for s, (first, last) in seen.items()}


def scale_project(repo: Path, rows: int, fmt: str, dvc_tracked: bool, env: dict[str, str]) -> None:
    """Write the N-row table into the copy `repo`, point `data.path` at it and commit."""
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
    generate(frame, rows, parquet, seed=0, exclude=keep)
    if fmt == "csv":
        missing = na_values[0] if na_values else ""
        pd.read_parquet(parquet).to_csv(repo / table, index=False, na_rep=missing)
        parquet.unlink()
    data["path"] = str(table)
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


def markdown(runs: list[Run], stages: list[str]) -> str:
    """The runs as one table: total wall and peak RSS, then each stage's."""
    head = ["rows", "format", "wall s", "peak RSS MiB (tree)"]
    head += [f"{s} s / MiB" for s in stages] + ["load avg start/end"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for run in runs:
        cells = [f"{run.rows:,}", run.format, f"{run.wall:.1f}", f"{run.peak_rss_mib:.0f}"]
        for stage in stages:
            wall, rss = run.stage_wall.get(stage), run.stage_rss_mib.get(stage)
            cells.append("-" if wall is None or rss is None else f"{wall:.1f} / {rss:.0f}")
        cells.append(f"{run.load[0]:.1f} / {run.load[1]:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", required=True, help="comma-separated row counts, e.g. 1000,10000")
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--git-tracked", action="store_true", help="git add the table, not DVC")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the runs as JSON")
    args = parser.parse_args(argv)
    counts = [int(part) for part in args.rows.split(",") if part.strip()]
    stages = list(yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"])
    runs = []
    for rows in counts:
        print(f"scale: {rows:,} rows ...", file=sys.stderr, flush=True)
        runs.append(measure(rows, args.format, not args.git_tracked, args.threads))
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(run) for run in runs], indent=2) + "\n")
    order = [s for s in ("validate", "prepare", "featurize", "train", "evaluate") if s in stages]
    sys.stdout.write(markdown(runs, order + [s for s in stages if s not in order]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
