"""The pure decisions of `tabml init` (`make init NAME=...`): is the name usable, which
repository does a remote point at, and what each file becomes (the plan).

The rename replaces the package name as a word (`tabml`, `TabmlError`, `TABML_X`; never
inside a longer word such as `mytabml`) in every tracked text file, paths included, except
data, generated files (`reports/`, and the lock files, which uv and DVC rewrite) and the files
whose history or legal text the new owner edits by hand (`CHANGELOG.md`, `LICENSE`). The
GitHub repository of the README's badges is replaced by yours wherever it appears.

A NAME may be hyphenated, as `uv init` accepts it: `acme-churn` is the distribution
(`[project] name`, the README's title), `acme_churn` the package and the command.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tabml.errors import TabmlError

MAX_NAME_LENGTH = 40
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
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


def package_name(name: str) -> str:
    """The package (and command) of a project name: `acme-churn` -> `acme_churn`."""
    return name.replace("-", "_")


def validate_name(name: str, taken: Mapping[str, str]) -> str:
    """The package name of project `name` if it is usable, else raise one clear sentence.

    `taken` maps module names that are already importable to where they come from.
    """
    if not name:
        raise TabmlError("NAME is empty: run `make init NAME=your-project` (or your_project).")
    if len(name) > MAX_NAME_LENGTH or not NAME_PATTERN.fullmatch(name):
        raise TabmlError(
            f"NAME {name!r} is not a usable project name: use lowercase letters and digits, "
            "with single hyphens or underscores between them, start with a letter, at most "
            f"{MAX_NAME_LENGTH} characters (for example churn-model or churn_model)."
        )
    package = package_name(name)
    what = repr(name) if package == name else f"{name!r} (package {package!r})"
    if keyword.iskeyword(package):
        raise TabmlError(f"NAME {what} is a Python keyword, so `import {package}` cannot work.")
    if package in taken:
        raise TabmlError(
            f"NAME {what} is already an importable module ({taken[package]}), "
            "so one would shadow the other; choose another name."
        )
    return package


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


def set_project_field(pyproject: str, key: str, value: str) -> str:
    """Set the string `key` (`name`, `description`) in the `[project]` table of pyproject.toml."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    head, sep, tail = pyproject.partition("[project]\n")
    if not sep:
        raise TabmlError(f"pyproject.toml: no [project] table to put the {key} in.")
    table, next_sep, rest = tail.partition("\n[")
    line = f'{key} = "{escaped}"'
    pattern = rf"(?m)^{re.escape(key)}\s*=.*$"
    if re.search(pattern, table):
        table = re.sub(pattern, lambda _: line, table, count=1)
    else:
        table = f"{line}\n{table}"
    return head + sep + table + next_sep + rest


def set_description(pyproject: str, description: str) -> str:
    """Set `description` in the `[project]` table of pyproject.toml."""
    return set_project_field(pyproject, "description", description)


def plan_init(
    files: Mapping[str, str],
    old: str,
    new: str,
    slugs: Mapping[str, str],
    *,
    description: str | None = None,
    distribution: str | None = None,
) -> Plan:
    """The edits and renames that make a template work tree into package `new`.

    `files` maps each tracked text file to its content; files outside `is_edited` are left alone.
    `distribution` (default `new`) is the project name of pyproject.toml and the README title.
    """
    title = distribution or new
    edits: dict[str, str] = {}
    renames: dict[str, str] = {}
    renaming = old != new
    for path, text in files.items():
        if not is_edited(path):
            continue
        updated = replace_names(text, old, new, slugs)
        if path == "README.md" and renaming:
            updated = set_readme_title(updated, title)
        if path == "pyproject.toml" and distribution is not None:
            updated = set_project_field(updated, "name", distribution)
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
