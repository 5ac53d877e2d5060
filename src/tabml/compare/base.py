"""The base of a comparison, resolved in a git worktree of its commit.

Its committed outputs are used when its `dvc.lock` matches its code, params and data; else the
base is reproduced there. A raw table tracked by DVC (`dvc add`, docs/scaling.md) is not in a
fresh worktree: it comes from the DVC cache that the worktree shares with the main checkout, or,
when the base tracks a version that `make pull` did not bring (a PR that changes the table), from
the DVC remote; without either, the report says which table it lacks instead of a DVC error.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tabml.compare.revision import (
    Revision,
    checkout_status,
    committed_outputs_missing,
    dvc,
    load_revision,
)
from tabml.errors import TabmlError
from tabml.platform import git


def share_cache(checkout: Path, main: Path) -> None:
    """Point a worktree at the main checkout's DVC cache so unchanged stages are restored."""
    cache = main / ".dvc" / "cache"
    if cache.is_dir():
        dvc("cache", "dir", "--local", str(cache.resolve()), cwd=checkout)


def tracked_outputs(checkout: Path, dvc_file: str) -> list[Path]:
    """The paths that a `.dvc` file tracks (relative to its folder), in `checkout`."""
    text = (checkout / dvc_file).read_text(encoding="utf-8")
    outs = (yaml.safe_load(text) or {}).get("outs") or []
    folder = (checkout / dvc_file).parent
    return [folder / str(out["path"]) for out in outs if isinstance(out, dict) and "path" in out]


def restore_tables(checkout: Path, dvc_files: list[str], short: str) -> None:
    """Check the tracked tables out of the shared cache, fetching from the DVC remote those
    that the cache lacks; refuse, naming the table, when neither has it."""
    dvc("checkout", "--allow-missing", *dvc_files, cwd=checkout)
    absent = [f for f in dvc_files if not all(p.exists() for p in tracked_outputs(checkout, f))]
    if not absent:
        return
    try:
        dvc("fetch", *absent, cwd=checkout)
        dvc("checkout", *absent, cwd=checkout)
    except TabmlError as error:
        table = absent[0].removesuffix(".dvc")
        raise TabmlError(
            f"base `{short}`: its version of {table} is neither in the DVC cache nor fetched from "
            f"a DVC remote ({error}); the report needs it to compare: give the job the remote's "
            "credentials, or `dvc pull` that version into the cache first"
        ) from None


def resolve_base(sha: str, main: Path, scratch: Path) -> Revision:
    """The base revision's outputs: committed when trustworthy, else reproduced in a worktree."""
    short = sha[:7]
    with git.worktree(sha, scratch / "base", cwd=main) as checkout:
        listed = git.git("ls-files", "-z", "--", "*.dvc", cwd=checkout).split("\0")
        if tables := [name for name in listed if name]:  # DVC-tracked raw tables: status sees them
            share_cache(checkout, main)
            restore_tables(checkout, tables, short)
        status = checkout_status(checkout)
        missing = committed_outputs_missing(checkout)
        if status.fresh and not missing:
            return load_revision(checkout, "base", sha, f"committed outputs at `{short}`", status)
        why = (
            f"its committed outputs are missing ({', '.join(missing)})"
            if missing
            else f"its dvc.lock is stale ({status.reasons[0]})"
        )
        share_cache(checkout, main)  # idempotent: a table checkout above may have done it
        dvc("repro", cwd=checkout)
        source = f"reproduced in a git worktree at `{short}`, because {why}"
        return load_revision(checkout, "base", sha, source, status)
