"""`tabml serve`: the FastAPI model server (docs/serving.md); FastAPI loads only when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tabml import paths
from tabml.cli.common import clear_errors, load

PANEL = "Serving"


def register(app: typer.Typer) -> None:
    """`tabml serve` is a top-level command."""
    app.command("serve", rich_help_panel=PANEL)(serve)


@clear_errors
def serve(
    model: Annotated[
        Path, typer.Option("--model", help="A skops model file or a release directory.")
    ] = paths.MODEL,
    checksums: Annotated[
        Path | None,
        typer.Option("--checksums", help="A SHA256SUMS file to verify the model against."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Overrides serve.host.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides serve.port.")] = None,
    params_file: Annotated[
        Path | None,
        typer.Option(
            "--params",
            help="The params file (default: a release directory's own, else params.yaml).",
        ),
    ] = None,
) -> None:
    """Serve the model over HTTP: /health, /metadata, /predict (docs/serving.md)."""
    from tabml.serve.app import Settings
    from tabml.serve.app import serve as run
    from tabml.serve.model import served_params_file

    params = load(served_params_file(model, params_file))
    settings = Settings(model=model, params=params, checksums=checksums)
    run(settings, host or params.serve.host, port or params.serve.port)
