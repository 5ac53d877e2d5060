"""The architecture stays visible and enforced.

docs/design.md's picture and tables are compared with the import-linter contracts in
pyproject.toml, a copy of src/ with one wrong import must fail `lint-imports` with a message
naming it, every module of src/, tests/ and bench/ stays within 300 lines, and `make help`
lists every target by section.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"
MAX_LINES = 300
# `make init` re-wraps what a longer package name pushes past 100 characters, which adds a line
# here and there: a renamed project keeps the limit plus one line per character its package name
# has beyond the template's five (a 40-character name grew a module by 19 lines at most).
TEMPLATE_NAME_LENGTH = 5
EVERY_ROOM_BELOW = "every room below"


def importlinter() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found: dict[str, Any] = config["tool"]["importlinter"]
    return found


def contracts(kind: str) -> list[dict[str, Any]]:
    return [c for c in importlinter()["contracts"] if c["type"] == kind]


def layers() -> list[set[str]]:
    """The rows of the layers contract, top first, as room names."""
    (contract,) = contracts("layers")
    assert contract["containers"] == ["tabml"]
    rows = [re.split(r"[|:]", layer) for layer in contract["layers"]]
    return [{name.strip().strip("()") for name in row} for row in rows]


def room(module: str) -> str:
    """`tabml.stages.run` -> `stages`."""
    parts = module.split(".")
    assert parts[0] == "tabml" and len(parts) > 1, module
    return parts[1]


def allowed_imports() -> dict[str, set[str]]:
    """What each room may import under the contracts: every room on a lower row, less what a
    forbidden contract takes away, plus what its ignored imports give back."""
    rows = layers()
    allowed = {name: set().union(*rows[i + 1 :]) for i, row in enumerate(rows) for name in row}
    for contract in contracts("forbidden"):
        sources = [s for s in contract["source_modules"] if not s.endswith("*")]
        for source in sources:
            for forbidden in contract["forbidden_modules"]:
                if forbidden.startswith("tabml."):
                    allowed[room(source)].discard(room(forbidden))
        for ignored in contract.get("ignore_imports", []):
            importer, imported = (part.strip() for part in ignored.split("->"))
            if sources and imported.startswith("tabml."):
                allowed[room(importer)].add(room(imported))
    return allowed


def section(title: str) -> str:
    """The text of one `##`/`###` section of docs/design.md, up to the next heading."""
    text = DESIGN.read_text(encoding="utf-8")
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    assert match, f"docs/design.md has no section '{title}'"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first markdown table in `text`, as stripped cells."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_the_design_table_lists_what_the_contracts_allow() -> None:
    rows = table_rows(section("Rooms, and what each may import"))
    rows_by_layer = layers()
    documented: dict[str, set[str]] = {}
    for cells in rows:
        name = ticked(cells[0])[0].rstrip("/")
        below = next(i for i, row in enumerate(rows_by_layer) if name in row) + 1
        cell = cells[2]
        if cell == EVERY_ROOM_BELOW:
            documented[name] = set().union(*rows_by_layer[below:])
        elif cell == "nothing":
            documented[name] = set()
        else:
            documented[name] = {word for word in ticked(cell) if "." not in word}
        assert len(cells) == 4 and cells[1] and cells[3], f"row '{name}' needs holds and why"
    assert documented == allowed_imports()


def test_the_design_picture_has_the_contract_rows_and_true_crossed_arrows() -> None:
    text = section("Rooms, and what each may import")
    mermaid = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert mermaid, "docs/design.md: the rooms section has no mermaid picture"
    picture = mermaid.group(1)
    groups = re.findall(r"subgraph (\w+) \[[^\]]*\]\n(.*?)\n\s*end\b", picture, re.S)
    drawn = [
        {label.rstrip("/") for label in re.findall(r'\w+\["([^"]+)"\]', body)} for _, body in groups
    ]
    assert drawn == layers()
    chain = re.search(r"^\s*(\w+(?: --> \w+)+)\s*$", picture, re.M)
    assert chain and chain.group(1).split(" --> ") == [name for name, _ in groups]
    crossed = re.findall(r"^\s*(\w+) --x(?:\|[^|]*\|)? (\w+)\s*$", picture, re.M)
    forbidden = {
        (room(source), room(target))
        for contract in contracts("forbidden")
        for source in contract["source_modules"]
        if not source.endswith("*")
        for target in contract["forbidden_modules"]
        if target.startswith("tabml.")
    }
    assert crossed and set(crossed) <= forbidden
    assert {source for source, _ in forbidden} <= {source for source, _ in crossed}


def test_the_outside_world_table_matches_the_ignored_imports() -> None:
    rows = table_rows(section("Held by a tool"))
    documented = {(ticked(cells[0])[0], package) for cells in rows for package in ticked(cells[1])}
    allowed = set()
    for contract in contracts("forbidden"):
        if contract["source_modules"] != ["tabml.*"]:
            continue
        for ignored in contract["ignore_imports"]:
            importer, imported = (part.strip() for part in ignored.split("->"))
            allowed.add((importer.removesuffix(".*"), imported))
    assert documented == allowed


def copy_of_src(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path / "src" / "tabml"


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the copy in `project` (its src/ first on the path, wide lines)."""
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "COLUMNS": "200"}
    command = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(command), "--no-cache", "--no-logo"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_contracts_hold_for_an_untouched_copy(tmp_path: Path) -> None:
    copy_of_src(tmp_path)
    done = lint_imports(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


# (module to edit, the wrong import, the import the message must name, the contract it breaks)
WRONG_ARROWS = [
    ("stages/train.py", "import tabml.serve", "tabml.stages.train -> tabml.serve", "rooms"),
    ("stages/prepare.py", "import tabml.io", "tabml.stages.prepare -> tabml.io", "pure-stages"),
    (
        "serve/app.py",
        "import tabml.stages.train",
        "tabml.serve.app -> tabml.stages.train",
        "serve-no-training",
    ),
    (
        "platform/git.py",
        "import tabml.config",
        "tabml.platform.git -> tabml.config",
        "platform-alone",
    ),
    ("release/tags.py", "import tabml.scaffold", "tabml.release.tags -> tabml.scaffold", "rooms"),
    ("compare/render.py", "import subprocess", "tabml.compare.render -> subprocess", "processes"),
    ("monitor/report.py", "import http.client", "tabml.monitor.report -> http", "network"),
]


@pytest.fixture(scope="module")
def broken_by_contract(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One copy of src/ with every wrong arrow above, one `lint-imports` run (each run costs
    about half a second of CPU): the report of each broken contract, by contract name."""
    project = tmp_path_factory.mktemp("wrong-arrows")
    package = copy_of_src(project)
    for module, line, _, _ in WRONG_ARROWS:
        with (package / module).open("a", encoding="utf-8") as stream:
            stream.write(f"\n{line}  # a wrong arrow\n")
    done = lint_imports(project)
    assert done.returncode != 0, done.stdout
    broken = done.stdout.split("Broken contracts", 1)[1]
    names = [c["name"] for c in importlinter()["contracts"]]
    starts = sorted((broken.index(f"{n}\n---"), n) for n in names if f"{n}\n---" in broken)
    ends = [start for start, _ in starts[1:]] + [len(broken)]
    return {name: broken[start:end] for (start, name), end in zip(starts, ends, strict=True)}


@pytest.mark.parametrize(("module", "line", "named", "contract_id"), WRONG_ARROWS)
def test_a_wrong_arrow_fails_and_names_both_modules(
    broken_by_contract: dict[str, str], module: str, line: str, named: str, contract_id: str
) -> None:
    (name,) = [c["name"] for c in importlinter()["contracts"] if c["id"] == contract_id]
    assert name in broken_by_contract, f"the '{contract_id}' contract is not reported broken"
    assert named in broken_by_contract[name], f"{module}: '{line}' is not named under {name}"


def test_a_new_room_must_be_placed_in_the_layers(tmp_path: Path) -> None:
    package = copy_of_src(tmp_path)
    (package / "newroom.py").write_text('"""A room nobody placed."""\n')
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "tabml.newroom" in done.stdout and "not listed as layers" in done.stdout


@pytest.mark.parametrize("folder", ["src", "tests", "bench"])
def test_no_module_is_over_300_lines(folder: str) -> None:
    """The package, and the code around it: its tests and the benchmark scripts."""
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / folder).rglob("*.py")
    }
    assert sizes, f"no modules found under {folder}/"
    limit = MAX_LINES + max(0, len(importlinter()["root_package"]) - TEMPLATE_NAME_LENGTH)
    too_long = {name: lines for name, lines in sorted(sizes.items()) if lines > limit}
    assert not too_long, f"modules over {limit} lines: {too_long}"


def makefile_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    """`##@` sections of the Makefile, each with its `target: ... ## text` lines, in order."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("##@ "):
            sections.append((line[4:], []))
        elif match := re.match(r"^([A-Za-z0-9_.-]+):.*?## (.*)$", line):
            assert sections, f"target '{match.group(1)}' comes before the first ##@ section"
            sections[-1][1].append((match.group(1), match.group(2)))
    return sections


def test_make_help_groups_every_target_by_section_and_aligns_them() -> None:
    expected = makefile_sections()
    assert len(expected) >= 5 and all(targets for _, targets in expected)
    done = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "\033[" not in done.stdout, "colour codes when not on a terminal"
    blocks = [block.splitlines() for block in done.stdout.strip("\n").split("\n\n")]
    assert [block[0] for block in blocks] == [title for title, _ in expected]
    width = max(len(name) for _, targets in expected for name, _ in targets)
    for block, (title, targets) in zip(blocks, expected, strict=True):
        lines = [f"  {name.ljust(width)}  {text}" for name, text in targets]
        assert block[1:] == lines, f"section '{title}'"
