"""`make init NAME=...`: turn a fresh copy of the template into your own project.

The pure functions decide (is the name usable, which repository does a remote point at, what
each file becomes); `init_project` applies the plan to a clean git work tree, relocks,
reproduces the pipeline and makes one commit, or restores the last commit if any step fails.

The rename replaces the package name as a word (`tabml`, `TabmlError`, `TABML_X`; never
inside a longer word such as `mytabml`) in every tracked text file, paths included, except
data, generated files (`reports/`, and the lock files, which uv and DVC rewrite) and the files
whose history or legal text the new owner edits by hand (`CHANGELOG.md`, `LICENSE`). The
GitHub repository of the README's badges is replaced by yours wherever it appears.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from tabml.errors import TabmlError
from tabml.platform import git

MAX_NAME_LENGTH = 40
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
SLUG_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+")
URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s<>\"'`)\]]+")
BADGE = re.compile(r"!\[[^\]]*\]\((?P<image>[^)\s]+)[^)]*\)")
GITHUB_URL = re.compile(
    r"^(?:https?://(?:[^@/]+@)?(?:www\.)?github\.com/|ssh://git@github\.com(?::\d+)?/"
    r"|git@github\.com:)(?P<owner>[A-Za-z0-9-]+)/(?P<repo>[A-Za-z0-9._-]+?)(?:\.git)?/?$"
)
GITHUB_SLUG_IN_URL = re.compile(r"github\.com/(?P<slug>[A-Za-z0-9-]+/[A-Za-z0-9._-]+?)(?:\.git)?/")
KEPT_FILES = frozenset({"CHANGELOG.md", "LICENSE", "uv.lock", "dvc.lock"})
KEPT_DIRS = ("reports/",)
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".parquet", ".skops", ".pkl", ".npy", ".zip", ".gz"})


@dataclass(frozen=True)
class Plan:
    """What the initialisation changes: new text per file, and path renames (old -> new)."""

    edits: dict[str, str] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when the work tree already is what the plan would make it."""
        return not self.edits and not self.renames


@dataclass(frozen=True)
class InitResult:
    """What `init_project` did; `commit` is None when there was nothing to do."""

    package: str
    plan: Plan
    commit: str | None
    message: str


# --- pure decisions -------------------------------------------------------------------------


def validate_name(name: str, taken: Mapping[str, str]) -> str:
    """Return `name` if it can be the new package name, else raise one clear sentence.

    `taken` maps module names that are already importable to where they come from.
    """
    if not name:
        raise TabmlError("NAME is empty: run `make init NAME=your_project` with a snake_case name.")
    if len(name) > MAX_NAME_LENGTH or not NAME_PATTERN.fullmatch(name):
        raise TabmlError(
            f"NAME {name!r} is not a snake_case Python package name: use lowercase letters, digits "
            f"and single underscores, start with a letter, at most {MAX_NAME_LENGTH} characters "
            "(for example churn_model)."
        )
    if keyword.iskeyword(name):
        raise TabmlError(f"NAME {name!r} is a Python keyword, so `import {name}` cannot work.")
    if name in taken:
        raise TabmlError(
            f"NAME {name!r} is already an importable module ({taken[name]}), "
            "so one would shadow the other; choose another name."
        )
    return name


def parse_github_remote(url: str) -> str | None:
    """`owner/repo` of a GitHub remote URL (https, ssh or scp-like form), else None."""
    match = GITHUB_URL.match(url.strip())
    return f"{match['owner']}/{match['repo']}" if match else None


def parse_repo_option(value: str) -> str:
    """Check an `--repo owner/name` value (a URL of a GitHub repository is accepted too)."""
    slug = parse_github_remote(value) or value.strip().strip("/")
    if not SLUG_PATTERN.fullmatch(slug) or slug.split("/")[1] in (".", ".."):
        raise TabmlError(
            f"--repo {value!r} is not a GitHub repository of the form owner/name "
            "(for example acme/churn-model)."
        )
    return slug


def badge_slugs(readme: str) -> set[str]:
    """The `owner/repo` of every github.com URL in the README's badges (images and their links)."""
    slugs: set[str] = set()
    for line in readme.splitlines():
        if not BADGE.search(line):
            continue
        for url in URL.findall(line):
            match = GITHUB_SLUG_IN_URL.search(url + "/")
            if match:
                slugs.add(match["slug"])
    return slugs


def camel(name: str) -> str:
    """`churn_model` -> `ChurnModel` (how the package name appears in class names)."""
    return "".join(part.capitalize() for part in name.split("_"))


def name_pattern(old: str, slugs: Iterable[str] = ()) -> re.Pattern[str]:
    """One regex for what the rename replaces: a template repository slug inside a URL or
    remote (after `/` or `:`), or the package name as a word: `tabml`, `TabmlError`, `TABML_X`."""
    alternatives = [
        rf"(?<![A-Za-z0-9])(?P<lower>{re.escape(old)})(?![A-Za-z0-9])",
        rf"(?<![A-Za-z0-9])(?P<camel>{re.escape(camel(old))})(?![a-z0-9])",
        rf"(?<![A-Za-z0-9])(?P<upper>{re.escape(old.upper())})(?![A-Z0-9])",
    ]
    ordered = sorted(slugs, key=len, reverse=True)
    if ordered:
        choice = "|".join(re.escape(slug) for slug in ordered)
        alternatives.insert(0, rf"(?<=[/:])(?P<slug>{choice})(?=\.git\b|[^A-Za-z0-9._-]|$)")
    return re.compile("|".join(alternatives))


def replace_names(text: str, old: str, new: str, slugs: Mapping[str, str]) -> str:
    """Replace the package name `old` by `new` as a word, and the template's GitHub slugs by
    the new repository's, in one pass (a new slug that contains `old` is left as it is)."""
    if old == new and not slugs:
        return text
    replacements = {"lower": new, "camel": camel(new), "upper": new.upper()}

    def substitute(match: re.Match[str]) -> str:
        kind = match.lastgroup or ""
        if kind == "slug":
            return slugs[match.group()]
        return replacements[kind] if old != new else match.group()

    return name_pattern(old, slugs).sub(substitute, text)


def is_edited(path: str) -> bool:
    """Whether the rename touches a tracked file (not data, generated files, history, licence)."""
    return (
        path not in KEPT_FILES
        and not path.startswith(KEPT_DIRS)
        and Path(path).suffix.lower() not in DATA_SUFFIXES
    )


def set_readme_title(text: str, name: str) -> str:
    """Make the README's first `# ` heading the project's name."""
    return re.sub(r"(?m)^# .*$", f"# {name}", text, count=1)


def set_description(pyproject: str, description: str) -> str:
    """Set `description` in the `[project]` table of pyproject.toml."""
    escaped = description.replace("\\", "\\\\").replace('"', '\\"')
    head, sep, tail = pyproject.partition("[project]\n")
    if not sep:
        raise TabmlError("pyproject.toml: no [project] table to put the description in.")
    table, next_sep, rest = tail.partition("\n[")
    line = f'description = "{escaped}"'
    if re.search(r"(?m)^description\s*=.*$", table):
        table = re.sub(r"(?m)^description\s*=.*$", lambda _: line, table, count=1)
    else:
        table = f"{line}\n{table}"
    return head + sep + table + next_sep + rest


def plan_init(
    files: Mapping[str, str],
    old: str,
    new: str,
    slugs: Mapping[str, str],
    description: str | None = None,
) -> Plan:
    """The edits and renames that make a template work tree into project `new`.

    `files` maps each tracked text file to its content; files outside `is_edited` are left alone.
    """
    edits: dict[str, str] = {}
    renames: dict[str, str] = {}
    renaming = old != new
    for path, text in files.items():
        if not is_edited(path):
            continue
        updated = replace_names(text, old, new, slugs)
        if path == "README.md" and renaming:
            updated = set_readme_title(updated, new)
        if path == "pyproject.toml" and description is not None:
            updated = set_description(updated, description)
        if updated != text:
            edits[path] = updated
        moved = "/".join(replace_names(part, old, new, {}) for part in path.split("/"))
        if moved != path:
            renames[path] = moved
    return Plan(edits=edits, renames=renames)


def commit_message(old: str, new: str, slug: str | None) -> str:
    """The message of the one commit `make init` makes."""
    where = f" for {slug}" if slug else ""
    if old == new:
        return f"Update the project metadata of {new}{where}"
    return f"Initialise {new} from the {old} template{where}"


# --- the work tree --------------------------------------------------------------------------


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
    plan = plan_init(files, old, new, slugs, description)
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
