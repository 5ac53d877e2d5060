"""`tabml adopt` (`make adopt DATA=table.csv TARGET=col [TASK=...]`): bring your own table.

Registered by `cli.init` next to `tabml init`, in the "New project" panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tabml.cli.common import clear_errors, say


@clear_errors
def adopt(
    data: Annotated[Path, typer.Option("--data", help="Your table, as CSV.")],
    target: Annotated[str, typer.Option("--target", help="The column to predict.")],
    task: Annotated[
        str | None,
        typer.Option("--task", help="binary, multiclass or regression (default: guessed)."),
    ] = None,
    repro: Annotated[
        bool, typer.Option("--repro/--no-repro", help="Run dvc repro once written.")
    ] = True,
) -> None:
    """Adopt a table: contract, task guess, params, retrain, dvc repro; commits nothing."""
    from tabml.scaffold.adopt import adopt_table, checklist

    adopted = adopt_table(Path.cwd(), data, target, task, repro=repro, stream=True, log=say)
    if adopted.reproduced:
        say("dvc repro: done (reports/metrics.json and reports/baseline.json)")
    else:
        say("not reproduced (--no-repro): run make run when you have reviewed the files")
    say("Review before you commit (nothing is committed):")
    for number, item in enumerate(checklist(adopted), start=1):
        say(f"  {number}. {item}")
