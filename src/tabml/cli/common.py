"""What every command shares: the console, the one-sentence error handler, common options and
the SIGTERM handler. Light on purpose: `tabml --help` imports this, Typer and Rich, nothing
else of tabml but `paths` and `errors`, so rooms are imported inside the commands that use them.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer._click.exceptions import MissingParameter, UsageError  # Typer vendors Click
from typer.core import TyperOption

from tabml import paths
from tabml.errors import TabmlError, os_error_sentence

if TYPE_CHECKING:
    from tabml.config import Params

console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")
ParamsOption = Annotated[Path, typer.Option("--params", help="The params file.")]
RepoOption = Annotated[str, typer.Option("--repo", help="owner/name on GitHub.")]
DEFAULT_PARAMS = paths.PARAMS


def on_start() -> None:
    """Turn SIGTERM (a cancelled GitHub job) into SystemExit, so `finally` blocks and context
    managers clean up worktrees and temp dirs as they do on Ctrl-C."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def clear_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print an expected failure as one line on stderr and exit non-zero, without a traceback:
    a `TabmlError` or an `OSError` (disk full, permission denied, file too large) exits 1, Ctrl-C
    exits 130 quietly. Anything else is a bug and keeps its traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (TabmlError, OSError) as error:
            text = os_error_sentence(error) if isinstance(error, OSError) else str(error)
            console.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return wrapper


def load(params_file: Path) -> Params:
    """The validated params (pydantic and the metrics registry load here, not at start-up)."""
    from tabml.config import load_params

    return load_params(params_file)


def say(line: str) -> None:
    """One line of progress or result on stderr, printed as it is (no markup, no wrapping)."""
    console.print(line, highlight=False, soft_wrap=True)


def step_outputs(values: dict[str, str]) -> None:
    """Append step outputs to $GITHUB_OUTPUT when running in a workflow."""
    from tabml.platform import actions

    actions.set_outputs(values)


def group_options_only_alone(ctx: typer.Context) -> bool:
    """For a group that is also a command (`tabml report`, `tabml monitor`): True when no
    subcommand follows, so the group's own command runs. Its options with a subcommand are a
    usage error (exit 2), never silently ignored."""
    if ctx.invoked_subcommand is None:
        return True
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name or "")
        if source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
            option = param.opts[0] if param.opts else param.name
            raise UsageError(
                f"{option} is an option of `{ctx.command_path}` itself, not of "
                f"`{ctx.command_path} {ctx.invoked_subcommand}`",
                ctx,
            )
    return False


def require(ctx: typer.Context, name: str, value: object) -> None:
    """A group's option that its own command needs (but its subcommands do not): exit 2 with
    click's own message when it is missing."""
    if value is None:
        param = next(p for p in ctx.command.params if isinstance(p, TyperOption) and p.name == name)
        raise MissingParameter(ctx=ctx, param=param)
