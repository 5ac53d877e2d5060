"""The command tree: every command path and option of the old single-module CLI still parses,
the moved names are hidden aliases of the same functions, `tabml report` and `tabml monitor` are
commands and groups at once, and `tabml --help` lists the rooms in order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tabml.cli import app

runner = CliRunner()
# Every command path of src/tabml/cli.py before the split (git show acc3c89:src/tabml/cli.py),
# with its options and arguments.
OLD_COMMANDS = {
    "prepare": "--params",
    "validate": "--params",
    "featurize": "--params",
    "train": "--params",
    "evaluate": "--params",
    "check-params": "--params",
    "report": "--base --full-report-url --out-dir --params --pr",
    "gate": "--out-dir",
    "verify-report": "--artifact-dir --out --repo --run-conclusion --run-head-sha --run-id",
    "serve": "--checksums --host --model --params --port",
    "init": "--description --name --repo --uv",
    "monitor": "--current --current-log --json --markdown --params",
    "batches": "--all-rows --batches --every-days --no-all-rows --out --params --reserve --seed "
    "--shift --shift-from --start -n",
    "drift-issue": "--dispatch --json --markdown --no-dispatch --params --repo",
    "contract check": "--params",
    "contract infer": "--max-categories --na csv",
    "release register": "--artifact --main --push --version",
    "release promote": "--artifact --main --push --stage --version",
    "release check-tag": "--event --main --repo tag",
    "release check-metrics": "--rev --tolerance",
    "release assets": "--artifact --out-dir --params --repo --tag",
    "release publish": "--dir --repo --tag",
    "release deployment-start": "--environment --image --ref --repo --version",
    "release deployment-status": "--description --environment-url --id --repo --state",
    "release smoke": "--expect-version --params --records --timeout --url",
    "retrain build": "--params",
    "retrain commit": "--params",
    "retrain report": "--params",
    "retrain push": "--params",
    "retrain publish": "--repo",
    "sweep run": "--grid --jobs --out --params --sweep --timeout",
    "sweep show": "--name --out --params",
    "sweep matrix": "--grid --params --sweep",
    "sweep run-one": "--grid --index --out-dir --params --sweep",
    "sweep aggregate": "--base --grid --out --params --results --sweep",
    "sweep comment": "--pr --repo --table",
}
ALIASES = {
    "gate": "report gate",
    "verify-report": "report verify",
    "batches": "monitor batches",
    "drift-issue": "monitor issue",
}


def command_at(path: str) -> typer.core.TyperCommand | typer.core.TyperGroup:
    """The click command (or group) that `tabml PATH` runs."""
    command = typer.main.get_command(app)
    for name in path.split():
        assert isinstance(command, typer.core.TyperGroup), path
        command = command.commands[name]
    assert isinstance(command, typer.core.TyperCommand | typer.core.TyperGroup)
    return command


def registered(path: str) -> object:
    """The function registered as `tabml PATH` (Typer wraps it in the click command)."""
    *groups, name = path.split()
    typer_app = app
    for group in groups:
        typer_app = next(
            info.typer_instance for info in typer_app.registered_groups if info.name == group
        )
    return next(info.callback for info in typer_app.registered_commands if info.name == name)


def signature(path: str) -> set[str]:
    """Option strings and argument names of a command (a group's own options included)."""
    words = set()
    for param in command_at(path).params:
        names = [*param.opts, *param.secondary_opts]
        if any(name.startswith("-") for name in names):
            words.update(name for name in names if name != "--help")
        else:
            words.add(param.name or "")
    return words


@pytest.mark.parametrize("path", list(OLD_COMMANDS))
def test_every_old_command_still_parses_with_its_options(path: str) -> None:
    result = runner.invoke(app, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert signature(path) == set(OLD_COMMANDS[path].split())


@pytest.mark.parametrize(("old", "new"), list(ALIASES.items()))
def test_a_moved_name_is_a_hidden_alias_of_the_same_function(old: str, new: str) -> None:
    assert command_at(old).hidden and not command_at(new).hidden
    assert registered(old) is registered(new)
    assert signature(old) == signature(new)


def test_help_is_a_table_of_contents_without_the_aliases() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    rooms = ("prepare", "report", "serve", "monitor", "release", "retrain", "sweep", "init")
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ ")]
    listed = [row.split()[1] for row in rows if row[2] != " "]  # not a wrapped description
    assert [name for name in listed if name in rooms] == list(rooms)
    for alias in ALIASES:
        assert alias not in listed


def write_gate(out_dir: Path, passed: bool) -> None:
    check = {"rule": "roc_auc >= 0.5", "detail": "0.7 vs 0.5", "passed": passed}
    out_dir.mkdir(parents=True)
    (out_dir / "report.json").write_text(json.dumps({"passed": passed, "checks": [check]}))


@pytest.mark.parametrize("passed", [True, False])
@pytest.mark.parametrize("path", ["gate", "report gate"])
def test_the_gate_reads_the_last_report(tmp_path: Path, path: str, passed: bool) -> None:
    write_gate(tmp_path / "pr", passed)
    result = runner.invoke(app, [*path.split(), "--out-dir", str(tmp_path / "pr")])
    assert result.exit_code == (0 if passed else 1)
    assert "roc_auc >= 0.5: 0.7 vs 0.5" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    expected = "quality gate passed" if passed else f"{tmp_path}/pr/report.json: the quality gate"
    assert expected in last


def test_report_without_base_or_subcommand_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--out-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Missing option '--base'" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["report", "--base", "main", "gate"], "--base"),
        (["report", "--out-dir", "x", "gate"], "--out-dir"),
        (["monitor", "--json", "x.json", "issue", "--repo", "a/b"], "--json"),
    ],
)
def test_a_group_option_before_a_subcommand_is_refused(args: list[str], option: str) -> None:
    """`tabml report --out-dir x gate` would otherwise read reports/pr, not x."""
    result = runner.invoke(app, args, prog_name="tabml")
    assert result.exit_code == 2
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())  # the panel wraps the line
    assert f"{option} is an option of `tabml {args[0]}` itself" in text
