"""`tabml init` (`make init NAME=...`): turn a fresh copy of the template into your project.

`init_project` applies the plan (`scaffold.plan`) to a clean git work tree, relocks, lets ruff
sort and format the renamed code (`scaffold.reflow` shortens the prose a longer name pushed past
the line length), reproduces the pipeline and makes one commit, or restores the last commit if
any step fails: a new project is lint-clean before its first pull request, whatever its name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from tabml.errors import TabmlError
from tabml.platform import git
from tabml.scaffold.plan import (
    Plan,
    badge_slugs,
    commit_message,
    is_edited,
    parse_github_remote,
    parse_repo_option,
    plan_init,
    validate_name,
)
from tabml.scaffold.reflow import rewrap

TIDY_ROUNDS = 8
RUFF_CHECK = ("ruff", "check", "--no-cache")  # no .ruff_cache left in a tree to commit
RUFF_FORMAT = ("ruff", "format", "--no-cache")


@dataclass(frozen=True)
class InitResult:
    """What `init_project` did; `commit` is None when there was nothing to do."""

    package: str
    plan: Plan
    commit: str | None
    message: str


def _run(root: Path, command: list[str], env: Mapping[str, str] | None) -> str:
    """Run a tool (uv, dvc) in `root`; its stdout, or a TabmlError naming the command."""
    try:
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise TabmlError(f"`{command[0]}` was not found; install it or pass its path.") from None
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        last = lines[-1].strip() if lines else "no output"
        shown = " ".join(Path(command[0]).name if i == 0 else a for i, a in enumerate(command))
        raise TabmlError(f"`{shown}` failed (exit {done.returncode}): {last}")
    return done.stdout


def tracked_text_files(root: Path) -> dict[str, str]:
    """Tracked files that are UTF-8 text (not symlinks, not binary), by repository path."""
    files: dict[str, str] = {}
    for name in git.git("ls-files", "-z", cwd=root, strip=False).split("\0"):
        path = root / name
        if not name or path.is_symlink() or not path.is_file() or not is_edited(name):
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            files[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return files


def current_package(root: Path) -> str:
    """The one package under `src/` (a tracked `src/<name>/__init__.py`)."""
    inits = [
        p
        for p in git.git("ls-files", "src/*/__init__.py", cwd=root).splitlines()
        if p.count("/") == 2
    ]
    if len(inits) != 1:
        found = ", ".join(sorted(inits)) or "none"
        raise TabmlError(f"src/: expected exactly one package with an __init__.py, found {found}.")
    return inits[0].split("/")[1]


def taken_names(root: Path, current: str) -> dict[str, str]:
    """Module names a new package must not take: stdlib, installed packages, test modules."""
    taken = dict.fromkeys(sys.stdlib_module_names, "standard library")
    for module, dists in metadata.packages_distributions().items():
        taken.setdefault(module, f"installed package {', '.join(sorted(set(dists)))}")
    for name in git.git("ls-files", "tests/*.py", "bench/*.py", cwd=root).splitlines():
        taken.setdefault(Path(name).stem, name)
    taken.pop(current, None)
    return taken


def origin_slug(root: Path) -> str | None:
    """`owner/repo` of the `origin` remote when it is on GitHub."""
    url = git.attempt("remote", "get-url", "origin", cwd=root)
    return parse_github_remote(url) if url is not None else None


def _tool_env(root: Path) -> dict[str, str]:
    """The project's venv first on PATH, as `make` sets it, so `dvc` finds the renamed CLI."""
    env = dict(os.environ)
    venv = root / env.get("UV_PROJECT_ENVIRONMENT", ".venv")
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)])
    env.setdefault("DVC_NO_ANALYTICS", "1")
    return env


def _apply(root: Path, plan: Plan, old: str, new: str) -> None:
    package_dir = f"src/{old}/"
    if any(path.startswith(package_dir) for path in plan.renames):
        git.git("mv", f"src/{old}", f"src/{new}", cwd=root)
        for cache in (root / "src" / new).rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
    for path, target in plan.renames.items():
        if path.startswith(package_dir):
            continue
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        git.git("mv", path, target, cwd=root)
    for path, text in plan.edits.items():
        (root / plan.renames.get(path, path)).write_bytes(text.encode("utf-8"))


@dataclass(frozen=True)
class Finding:
    """One ruff finding: where, which rule, what it says."""

    path: Path
    row: int
    code: str
    message: str


def _ruff(root: Path, env: Mapping[str, str], *select: str) -> list[Finding]:
    """ruff's findings on the tree (only the `select`ed rules when given)."""
    rules = ["--select", ",".join(select)] if select else []
    out = _run(root, [*RUFF_CHECK, *rules, "--output-format", "json", "--exit-zero", "."], env)
    findings: list[Finding] = []
    for item in json.loads(out):
        row = int(item["location"]["row"])
        findings.append(Finding(root / item["filename"], row, item["code"], item["message"]))
    return findings


def _line_length(root: Path) -> int:
    """`[tool.ruff] line-length` of the project (ruff's default, 88, when unset)."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return int(pyproject.get("tool", {}).get("ruff", {}).get("line-length", 88))


def tidy(root: Path, env: Mapping[str, str]) -> None:
    """Leave the renamed tree as clean as the template: imports sorted, formatted, and every
    line within the line length (the name's length changes all three); else one sentence."""
    width = _line_length(root)
    for _ in range(TIDY_ROUNDS):
        _run(root, [*RUFF_CHECK, "--fix", "--exit-zero", "--quiet", "."], env)
        _run(root, [*RUFF_FORMAT, "--quiet", "."], env)
        overlong: dict[Path, set[int]] = {}
        for finding in _ruff(root, env, "E501"):
            overlong.setdefault(finding.path, set()).add(finding.row)
        changed = False
        for path, rows in overlong.items():
            text = path.read_text(encoding="utf-8")
            shorter = rewrap(text, rows, width)
            if shorter != text:
                path.write_text(shorter, encoding="utf-8")
                changed = True
        if not changed:
            break
    else:
        _run(root, [*RUFF_CHECK, "--fix", "--exit-zero", "--quiet", "."], env)
        _run(root, [*RUFF_FORMAT, "--quiet", "."], env)
    problems = _ruff(root, env)
    if problems:
        first = problems[0]
        raise TabmlError(
            f"after the rename ruff still finds {len(problems)} problem(s) it cannot fix (first: "
            f"{first.path.relative_to(root)}:{first.row} {first.code} {first.message}); "
            "choose a shorter NAME."
        )


def _restore(root: Path, new_dirs: Iterable[Path]) -> None:
    """Back to the last commit: the work tree was clean before `init_project` started."""
    git.attempt("reset", "-q", "--hard", "HEAD", cwd=root)
    git.attempt("clean", "-q", "-fd", cwd=root)
    for directory in new_dirs:
        shutil.rmtree(directory, ignore_errors=True)


def init_project(
    root: Path,
    name: str,
    *,
    repo: str | None = None,
    description: str | None = None,
    uv: str = "uv",
    log: Callable[[str], None] = lambda _: None,
) -> InitResult:
    """Rename the package to `name`, repoint badges, relock, reproduce and commit, once."""
    root = Path(git.git("rev-parse", "--show-toplevel", cwd=root))
    old = current_package(root)
    new = validate_name(name, taken_names(root, old))
    slug = parse_repo_option(repo) if repo else origin_slug(root)
    files = tracked_text_files(root)
    readme = files.get("README.md", "")
    slugs = dict.fromkeys(badge_slugs(readme) - {slug}, slug) if slug else {}
    plan = plan_init(files, old, new, slugs, description=description, distribution=name)
    if plan.empty:
        where = f" and the badges point at {slug}" if slug else ""
        message = f"nothing to do: the package is already called {new}{where}."
        return InitResult(package=new, plan=plan, commit=None, message=message)
    if git.git("status", "--porcelain", cwd=root):
        raise TabmlError(
            "the work tree has uncommitted changes; commit or stash them, then run make init again."
        )
    try:
        git.git("var", "GIT_COMMITTER_IDENT", cwd=root)
    except TabmlError:
        raise TabmlError(
            "git does not know who you are; set `git config user.name` and `user.email`, "
            "then run make init again."
        ) from None
    new_dirs = [root / "src" / new] if old != new else []
    for directory in new_dirs:
        if directory.exists():
            raise TabmlError(f"src/{new} already exists; remove it, then run make init again.")
    try:
        log(f"renaming {old} to {new} in {len(plan.edits)} files")
        _apply(root, plan, old, new)
        if old != new:
            env = _tool_env(root)
            log("uv lock")
            _run(root, [uv, "lock"], env)
            log("uv sync --frozen")
            _run(root, [uv, "sync", "--frozen"], env)
            log("ruff: sort imports, format, shorten the lines the new name made too long")
            tidy(root, env)
            log("dvc repro (the new project's baseline)")
            _run(root, ["dvc", "repro"], env)
        git.git("add", "-A", cwd=root)
        message = commit_message(old, new, slug)
        git.git("commit", "-q", "-m", message, cwd=root)
    except BaseException:
        _restore(root, new_dirs)
        raise
    commit = git.git("rev-parse", "--short", "HEAD", cwd=root)
    return InitResult(package=new, plan=plan, commit=commit, message=message)
