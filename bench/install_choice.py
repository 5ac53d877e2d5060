"""Which way to install from the lock: the fastest that keeps first-import time, against the
project's own choice (pyproject.toml's `[tool.uv]`, the Makefile's `setup`, the workflows)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from install import COMPRESSOR, FIRST_IMPORT, InstallResult
from measure import markdown_table, median, met, run_list, seconds

KEEP_FIRST_IMPORT = 1.25  # a first import within 1.25x of the next one counts as kept
LABELS = {
    "uv": "`uv sync --no-cache --no-compile-bytecode`",
    "uv-bytecode": "`uv sync --no-cache --compile-bytecode`",
    "cached-venv": "cached venv: extract its archive, then `uv sync --compile-bytecode`",
    "pip": "`pip install --no-cache-dir -r requirements.txt`",
}
SHORT = {
    "uv": "uv without bytecode",
    "uv-bytecode": "uv with bytecode",
    "cached-venv": "cached venv",
    "pip": "pip",
}


@dataclass(frozen=True)
class Setup:
    """How the project installs: bytecode at install time, and what its workflows cache."""

    compile_bytecode: bool
    caches_venv: bool
    caches_uv_downloads: bool

    @property
    def option(self) -> str:
        """The benchmarked option that a CI job of this project pays."""
        if self.caches_venv:
            return "cached-venv"
        return "uv-bytecode" if self.compile_bytecode else "uv"


def _steps(workflow: Any) -> list[dict[str, Any]]:
    jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
    found = []
    for job in (jobs or {}).values():
        found += [step for step in (job or {}).get("steps") or [] if isinstance(step, dict)]
    return found


def read_setup(root: Path) -> Setup:
    """The project's choice, read from pyproject.toml, the Makefile and .github/workflows."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    compile_bytecode = bool(pyproject.get("tool", {}).get("uv", {}).get("compile-bytecode"))
    makefile = root / "Makefile"
    lines = makefile.read_text(encoding="utf-8").splitlines() if makefile.exists() else []
    compile_bytecode |= any(" sync " in line and "--compile-bytecode" in line for line in lines)
    steps = []
    for path in sorted((root / ".github" / "workflows").glob("*.y*ml")):
        steps += _steps(yaml.safe_load(path.read_text(encoding="utf-8")))

    def uses(step: dict[str, Any], action: str) -> bool:
        return str(step.get("uses", "")).startswith(f"{action}@")

    def given(step: dict[str, Any], key: str) -> Any:
        return (step.get("with") or {}).get(key)

    caches_venv = any(
        uses(step, "actions/cache") and ".venv" in str(given(step, "path")) for step in steps
    )
    caches_uv = any(
        uses(step, "astral-sh/setup-uv") and given(step, "enable-cache") is True for step in steps
    )
    return Setup(compile_bytecode, caches_venv, caches_uv)


def medians(result: InstallResult, option: str) -> tuple[float, float, float]:
    """Median install, first-import and second-import seconds of one option."""
    runs = result.runs[option]
    return (
        median(run.install for run in runs),
        median(run.first_import for run in runs),
        median(run.again for run in runs),
    )


def keeps_first_import(result: InstallResult) -> dict[str, bool]:
    """Whether each option's first import is within KEEP_FIRST_IMPORT of its second one: no
    bytecode left to compile. Both imports run back to back, so load on the machine cancels."""
    kept = {}
    for option in result.runs:
        _, first, again = medians(result, option)
        kept[option] = first <= again * KEEP_FIRST_IMPORT
    return kept


def fastest_keeping(result: InstallResult) -> str:
    """The option with the fastest install among those that keep first-import time."""
    keeps = keeps_first_import(result)
    kept = [option for option in result.runs if keeps[option]]
    return min(kept, key=lambda option: medians(result, option)[0])


def install_row(result: InstallResult | None, setup: Setup) -> list[str]:
    """The summary row: is the project's choice the fastest option that keeps first imports?"""
    what = "install from the lock: the project's setup is the fastest that keeps first imports"
    target = f"the project's setup ({SHORT[setup.option]})"
    if result is None:
        return [what, "skipped (`--skip-install`)", target, "-"]
    best, ours = fastest_keeping(result), setup.option

    def said(option: str) -> str:
        install, first, _ = medians(result, option)
        return f"{SHORT[option]} {seconds(install)} + {seconds(first)} first import"

    measured = f"fastest: {said(best)}"
    if best != ours:
        install_ratio = medians(result, ours)[0] / medians(result, best)[0]
        measured += f"; the project's: {said(ours)} ({install_ratio:.1f}x the install)"
    return [what, measured, target, met(best == ours)]


def setup_sentence(setup: Setup) -> str:
    """What the project does today, in words."""
    flag = " --compile-bytecode" if setup.compile_bytecode else ""
    text = (
        f"The project installs {'with' if flag else 'without'} bytecode (`make setup` runs "
        f"`uv sync --frozen{flag}`; `[tool.uv] compile-bytecode` in pyproject.toml). "
    )
    if setup.caches_venv:
        return text + "Its workflows restore a cached `.venv` (actions/cache): the cached venv."
    uv_cache = (
        "restore setup-uv's cache of uv's downloads, keyed on uv.lock (setup-uv prunes the "
        "pre-built wheels from it before saving, `uv cache prune --ci`, so they download again), "
        if setup.caches_uv_downloads
        else ""
    )
    return text + (
        f"Its workflows {uv_cache}and do not cache the venv: a CI job pays about the "
        f"{SHORT[setup.option]} option."
    )


def install_lines(result: InstallResult | None, setup: Setup) -> list[str]:
    """Markdown lines for the install comparison and the choice it supports."""
    if result is None:
        return ["Skipped (`--skip-install`).", "", setup_sentence(setup)]
    keeps = keeps_first_import(result)
    rows = []
    for option, runs in result.runs.items():
        install, first, again = medians(result, option)
        rows.append(
            [
                LABELS[option] + (f" (pip {result.pip_version})" if option == "pip" else ""),
                seconds(install),
                seconds(first),
                seconds(again),
                seconds(install + first),
                run_list(run.install for run in runs),
                "yes" if keeps[option] else "**no**",
            ]
        )
    best = fastest_keeping(result)
    restore = median(result.restore)
    cached = result.runs.get("cached-venv", [])
    check = median([r.install - s for r, s in zip(cached, result.restore, strict=True)] or [0.0])
    header = ["option", "install", "first import", "again", "install + first", "runs (s)", "kept"]
    return [
        f"The {result.packages} runtime packages pinned in `uv.lock` (no dev group, not the "
        "project itself), each run into a fresh virtual environment, the options interleaved. "
        "uv and pip download from pypi.org without a cache; pip installs the same pins, exported "
        "with `uv export --frozen --no-hashes --no-dev --no-emit-project`, into a venv made "
        "beforehand (untimed). The cached venv is what actions/cache under a key of uv.lock "
        "gives: an archive of a venv synced earlier with bytecode "
        f"({result.archive_mib:,.0f} MiB with {COMPRESSOR}), extracted into place "
        f"({seconds(restore)} of its time here, from the local disk; on GitHub the archive is "
        f"downloaded first, which this does not time), then the `uv sync` that finds nothing to "
        f"install ({seconds(check)}). After each install, `python -c` imports what a pipeline "
        f"run imports (`{FIRST_IMPORT}`) twice: the first import compiles whatever bytecode the "
        "install left out.",
        "",
        markdown_table(header, rows),
        "",
        f"Kept: the first import within {KEEP_FIRST_IMPORT}x of the one after it (nothing left "
        f"to compile). The fastest install that keeps it: **{SHORT[best]}**. "
        f"{setup_sentence(setup)}",
    ]
