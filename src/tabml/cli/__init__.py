"""The `tabml` command line: one Typer module per room, assembled here in the order of
`tabml --help` (pipeline, report, serving, monitoring, releases, retraining, sweeps, init).

Every command parses its arguments, calls one function of its room and prints the result; the
room is imported inside the command, so `tabml --help` loads Typer and Rich only
(tests/cli/test_imports.py keeps it so). Old names that moved stay as hidden aliases.
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from tabml.cli import init, monitor, pipeline, release, report, retrain, serve, sweep
from tabml.cli.common import on_start

CONTENTS = (
    *("validate", "prepare", "featurize", "train", "evaluate", "check-params", "contract"),
    *("report", "serve", "monitor", "release", "retrain", "sweep", "init"),
)


class _Contents(TyperGroup):
    """Lists commands in the order of CONTENTS, groups among them (Typer would put every plain
    command before every group), so that `tabml --help` reads as a table of contents."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        rank = {name: index for index, name in enumerate(CONTENTS)}
        return sorted(super().list_commands(ctx), key=lambda name: rank.get(name, len(rank)))


app = typer.Typer(cls=_Contents, help="A reproducible tabular ML pipeline.", no_args_is_help=True)
app.callback()(on_start)
for room in (pipeline, report, serve, monitor, release, retrain, sweep, init):
    room.register(app)

__all__ = ["app"]
