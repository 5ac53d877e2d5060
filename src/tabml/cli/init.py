"""`tabml init` (`make init NAME=...`): make this copy of the template your own project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tabml.cli.adopt import adopt
from tabml.cli.common import clear_errors, say

PANEL = "New project"


def register(app: typer.Typer) -> None:
    """`tabml init` and `tabml adopt` are top-level commands."""
    app.command("init", rich_help_panel=PANEL)(init)
    app.command("adopt", rich_help_panel=PANEL)(adopt)


@clear_errors
def init(
    name: Annotated[
        str,
        typer.Option(
            "--name",
            help="The project name, snake_case or hyphenated (acme-churn: package acme_churn).",
        ),
    ],
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="GitHub owner/name for badges (default: the origin remote)."),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="A new pyproject description.")
    ] = None,
    uv: Annotated[str, typer.Option("--uv", help="The uv executable.")] = "uv",
) -> None:
    """Make this copy of the template your project: rename, relock, reproduce, commit once."""
    from tabml.scaffold.project import init_project

    result = init_project(Path.cwd(), name, repo=repo, description=description, uv=uv, log=say)
    if result.commit is None:
        say(result.message)
        return
    for old, new in sorted(result.plan.renames.items()):
        say(f"renamed  {old} -> {new}")
    for path in sorted(set(result.plan.edits) - set(result.plan.renames)):
        say(f"edited   {path}")
    say(f"committed {result.commit}: {result.message}")
