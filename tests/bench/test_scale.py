"""bench/scale.py: the process-tree poller, the scratch project it builds, one tiny real run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import scale
from tests.support import run as run_tool

STAGES = ["validate", "prepare", "featurize", "train", "evaluate"]


def test_stage_of_reads_the_tabml_command() -> None:
    line = "/venv/bin/python /venv/bin/tabml prepare "
    assert scale.stage_of(line, STAGES) == "prepare"
    assert scale.stage_of("/venv/bin/python /venv/bin/dvc repro", STAGES) is None
    assert scale.stage_of("/venv/bin/tabml report", STAGES) is None


def test_process_tree_counts_the_children() -> None:
    code = "import time; b = bytearray(64 * 2**20); time.sleep(30)"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys; subprocess.run([sys.executable, '-c', {code!r}])",
        ]
    )
    try:
        for _ in range(100):
            tree = scale.process_tree(child.pid)
            if len(tree) == 2 and max(r for r, _ in tree.values()) > 64 * 2**20:
                break
            subprocess.run(["sleep", "0.1"], check=True)
        assert len(tree) == 2, tree
        assert child.pid in tree
        assert max(r for r, _ in tree.values()) > 64 * 2**20  # the grandchild's buffer
    finally:
        child.kill()
        child.wait()


def test_markdown_has_a_row_per_run_and_a_dash_for_an_unseen_stage() -> None:
    runs = [
        scale.Run(10, "parquet", 2.0, 300.0, {"prepare": 1.0}, {"prepare": 200.0}, (1.0, 2.0)),
        scale.Run(20, "csv", 3.0, 310.0, {"prepare": 1.5}, {"prepare": 210.0}, (1.0, 2.0)),
    ]
    runs[1].cpu = 4.25
    lines = scale.markdown(runs, ["prepare", "train"]).splitlines()
    assert len(lines) == 4
    assert lines[2].split(" | ")[:5] == ["| 10", "parquet", "2.0", "0.0", "300"]
    assert lines[3].split(" | ")[:5] == ["| 20", "csv", "3.0", "4.2", "310"]
    assert "1.0 / 200" in lines[2] and lines[2].split(" | ")[6] == "-"


@pytest.mark.parametrize(("fmt", "dvc_tracked"), [("parquet", True), ("csv", False)])
def test_scale_project_writes_the_table_and_points_data_path_at_it(
    tmp_path: Path, fmt: str, dvc_tracked: bool
) -> None:
    repo = tmp_path
    (repo / "data" / "raw").mkdir(parents=True)
    source = pd.DataFrame({"x": range(30), "c": ["a", "b", "?"] * 10, "y": ["n", "p"] * 15})
    source.to_csv(repo / "data" / "raw" / "t.csv", index=False)
    data = {"path": "data/raw/t.csv", "target": "y", "na_values": ["?"], "drop": []}
    params = {"data": data, "split": {}}
    (repo / "params.yaml").write_text(yaml.safe_dump(params))
    run_tool(["git", "init", "-q", "-b", "main"], repo)
    run_tool(["dvc", "init", "-q"], repo)
    settings = {"split.test_size": 0.5}
    scale.scale_project(repo, 75, fmt, dvc_tracked, scale.tool_env(), settings=settings)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    path = Path(params["data"]["path"])
    assert path == Path(f"data/raw/scale-75.{fmt}")
    assert params["split"] == {"test_size": 0.5}
    table = pd.read_parquet(repo / path) if fmt == "parquet" else pd.read_csv(repo / path)
    assert len(table) == 75 and list(table.columns) == ["x", "c", "y"]
    tracked = run_tool(["git", "ls-files"], repo).stdout.split()
    assert (f"{path}.dvc" in tracked) is dvc_tracked
    assert (str(path) in tracked) is not dvc_tracked
    assert run_tool(["git", "status", "--porcelain"], repo).stdout == ""


def test_set_key_sets_a_dotted_key_and_names_a_missing_section() -> None:
    params: dict[str, object] = {"split": {"seed": 1}}
    scale.set_key(params, "split.test_size", 0.5)
    assert params == {"split": {"seed": 1, "test_size": 0.5}}
    with pytest.raises(KeyError, match="no section 'evaluate'"):
        scale.set_key(params, "evaluate.importance_repeats", 2)


@pytest.mark.parametrize("rows", ["", "1e6", "0,100"])
def test_bad_row_counts_are_refused_in_one_sentence(
    rows: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        scale.main(["--rows", rows])
    assert exit_info.value.code == 2
    assert f"--rows {rows!r}" in capsys.readouterr().err


def test_main_writes_its_own_section_and_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake(rows: int, fmt: str, dvc_tracked: bool, threads: int) -> scale.Run:
        return scale.Run(rows, fmt, wall=rows / 1e4, peak_rss_mib=rows / 1e5, cpu=rows / 2e4)

    monkeypatch.setattr(scale, "measure", fake)
    doc = tmp_path / "performance.md"
    other = "<!-- bench:serve:start -->\nserving\n<!-- bench:serve:end -->"
    doc.write_text(f"# Performance\n\n{other}\n\n{scale.START}\nold\n{scale.END}\n")
    assert scale.main(["--rows", "1000000,10000000", "--write", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith(f"# Performance\n\n{other}\n\n{scale.START}\n## Scale")
    assert "old" not in text and text.count(scale.START) == 1
    assert text.endswith(f"{scale.END}\n")
    assert "| 10,000,000 | parquet | 1000.0 | 500.0 | 100 |" in text
    assert "k = 1.00 wall, 1.00 CPU" in text


@pytest.mark.slow
def test_a_tiny_run_records_every_stage(tmp_path: Path) -> None:
    out, doc = tmp_path / "runs.json", tmp_path / "performance.md"
    assert scale.main(["--rows", "300,600", "--json", str(out), "--write", str(doc)]) == 0
    runs = json.loads(out.read_text())
    assert [run["rows"] for run in runs] == [300, 600]
    for run in runs:
        assert run["format"] == "parquet"
        assert set(run["stage_wall"]) == set(STAGES) == set(run["stage_rss_mib"])
        assert run["wall"] >= sum(run["stage_wall"].values()) * 0.9
        assert run["peak_rss_mib"] >= max(run["stage_rss_mib"].values()) > 50
        assert run["cpu"] > 1.0  # the stages' CPU, which only wait4 of the whole tree sees
    text = doc.read_text()
    assert text.startswith(scale.START) and "not measured (largest run: 600 rows)" in text
    assert "not judged (other sizes)" in text
