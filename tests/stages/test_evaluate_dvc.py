"""dvc.yaml holds for every task: real `dvc repro` writes every declared out, and real
`dvc plots show` renders the task's plots without an error, on a small project per task."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.stages.task_tables import write_task_project
from tests.support import ROOT, run

pytestmark = pytest.mark.slow

SHOWN = {  # the plots dvc.yaml names that hold data for each task
    "binary": {"ROC", "Precision-Recall", "Confusion matrix", "Calibration", "Feature importance"},
    "multiclass": {"Confusion matrix", "Feature importance"},
    "regression": {"Predicted vs actual", "Residuals", "Feature importance"},
}


def declared_outs() -> list[str]:
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    entries = [e for s in stages for e in s.get("outs", []) + s.get("metrics", [])]
    return [e if isinstance(e, str) else next(iter(e)) for e in entries]


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_repro_writes_every_declared_out_and_plots_show_works(tmp_path: Path, task: str) -> None:
    write_task_project(tmp_path, task)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    code = sorted({d for s in stages for d in s.get("deps", []) if d.startswith("src/")})
    for name in ["dvc.yaml", ".gitignore", *code]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    run(["git", "init", "-q", "-b", "main"], tmp_path)
    run(["dvc", "init", "-q"], tmp_path)
    run(["dvc", "repro", "-q"], tmp_path)
    missing = [out for out in declared_outs() if not (tmp_path / out).is_file()]
    assert not missing, f"{task}: dvc.yaml declares outs the stages did not write: {missing}"
    shown = json.loads(run(["dvc", "plots", "show", "--json"], tmp_path).stdout)
    assert not shown.get("errors"), shown.get("errors")
    filled = {name for name, plots in shown["data"].items() if plots}
    assert filled == SHOWN[task]
    html = run(["dvc", "plots", "show", "-o", "plots-html"], tmp_path)
    assert "failed" not in html.stdout + html.stderr
    assert (tmp_path / "plots-html" / "index.html").is_file()
