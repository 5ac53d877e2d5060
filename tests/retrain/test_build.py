"""`tabml retrain build` on the small project: window mode, provenance, params edit, no-ops."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from tabml.cli import app
from tests.support import run

BUILD = Path("reports/pr/retrain-build.json")


def commit_all(root: Path) -> None:
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-qm", "state"], root)


def test_window_build_uses_the_newest_batches_and_is_a_no_op_the_second_time(
    project: Path,
) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["retrain"].update(mode="window", window_batches=2)
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    raw = (project / "data/raw/adult.csv").read_text().splitlines()
    (project / "data/incoming").mkdir()
    for number, day in enumerate(["2024-01-01", "2024-01-08", "2024-01-15"]):
        rows = raw[1 + 10 * number : 11 + 10 * number]
        (project / f"data/incoming/{day}.csv").write_text("\n".join([raw[0], *rows]) + "\n")
    run(["git", "init", "-q", "-b", "main"], project)
    commit_all(project)
    cli = CliRunner()

    result = cli.invoke(app, ["retrain", "build"])
    assert result.exit_code == 0, result.output
    info = json.loads(BUILD.read_text())
    assert info["changed"] and info["mode"] == "window"
    assert [b["path"] for b in info["batches"]] == [
        "data/incoming/2024-01-08.csv",
        "data/incoming/2024-01-15.csv",
    ]
    table = Path("data/train/adult.csv").read_text().splitlines()
    assert len(table) == len(raw) + 20 and table[0] == raw[0]
    provenance = yaml.safe_load(Path("data/train/adult.provenance.yaml").read_text())
    assert provenance["rows"] == len(raw) - 1 + 20 and provenance["base"]["rows"] == len(raw) - 1
    assert yaml.safe_load(Path("params.yaml").read_text())["data"]["path"] == (
        "data/train/adult.csv"
    )

    commit_all(project)
    again = cli.invoke(app, ["retrain", "build"])
    assert again.exit_code == 0, again.output
    assert json.loads(BUILD.read_text())["changed"] is False
    assert "already holds these 2 batches" in again.output


def test_no_batches_changes_nothing(project: Path) -> None:
    run(["git", "init", "-q", "-b", "main"], project)
    commit_all(project)
    before = Path("params.yaml").read_text()
    result = CliRunner().invoke(app, ["retrain", "build"])
    assert result.exit_code == 0, result.output
    assert "no batch CSV files in data/incoming/" in result.output
    assert Path("params.yaml").read_text() == before and not Path("data/train").exists()


def test_uncommitted_params_are_refused(project: Path) -> None:
    run(["git", "init", "-q", "-b", "main"], project)
    commit_all(project)
    Path("params.yaml").write_text(Path("params.yaml").read_text() + "\n")
    result = CliRunner().invoke(app, ["retrain", "build"])
    assert result.exit_code == 1
    assert "params.yaml: uncommitted changes; commit them before a retrain" in result.output
