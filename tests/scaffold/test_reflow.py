"""`make init` with a long name: the prose a longer package name pushes past the line length is
shortened without changing what the code means (the AST is the same up to docstring and comment
whitespace), and `tidy` leaves a renamed tree that ruff passes, or says which line it cannot fix."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from tabml.errors import TabmlError
from tabml.scaffold.project import tidy
from tabml.scaffold.reflow import rewrap
from tests.support import tool_env

WIDTH = 100
NAME = "customer_churn_prediction_model_v2_abcd"  # 40 characters, the longest NAME


def overlong(source: str) -> list[int]:
    return [row for row, line in enumerate(source.splitlines(), 1) if len(line) > WIDTH]


def comments(source: str) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string for t in tokens if t.type == tokenize.COMMENT]


def words(texts: list[str]) -> list[str]:
    return " ".join(text.removeprefix("# ") for text in texts).split()


def without_docstrings(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                first.value.value = " ".join(str(first.value.value).split())
    return ast.dump(tree)


SOURCE = f'''"""The {NAME} module docstring, whose first line the name has pushed past the limit.

A second paragraph that mentions `{NAME}.cli` and `{NAME}.errors` and keeps going on.
- a list item that names {NAME} and is long enough to go past the line length too
- a short item
"""

from __future__ import annotations

TITLE = "{NAME} PR report, a title that is long enough to be too long here"
# The comment names `{NAME}` and keeps going well past the limit after the rename.
# It continues here.
#
# - an item that stays as it is
FORMAT = f"{{TITLE!r}} is {{len(TITLE)}} long: {NAME} {NAME} and the rest of it"
LIMIT = 100  # the limit, which `{NAME}` and `{NAME}` push past on this line


def run(value: int) -> list[str]:
    """Run `{NAME} prepare` and `{NAME} train` with {{value}} threads."""
    return [
        f"value {{value:>{{value}}}} with {NAME} and some words to push it well past the line",
        "{NAME}",
    ]
'''
PRAGMA = f"X = 1  # noqa: E501 is a pragma that stays on its line, {NAME} or not\n"


def test_rewrap_shortens_prose_and_strings_and_keeps_the_meaning() -> None:
    source = SOURCE + PRAGMA
    result = rewrap(source, overlong(source), WIDTH)
    assert without_docstrings(ast.parse(result)) == without_docstrings(ast.parse(source))
    assert words(comments(result)) == words(comments(source))
    lines = result.splitlines()
    assert all(
        len(line) <= WIDTH
        for line in lines[: next(i for i, line in enumerate(lines) if line.startswith("TITLE = ("))]
    )
    assert re.search(r"(?m)^  \S.*\n- a short item$", result), "a list item keeps its hang"
    assert (
        "\n# It continues here.\n" not in result and "\n# - an item that stays as it is\n" in result
    )
    assert (
        f"\n# the limit, which `{NAME}` and\n# `{NAME}` push past on this line\nLIMIT = 100\n"
        in result
    )
    assert result.endswith(PRAGMA)


def test_a_one_line_docstring_becomes_a_paragraph_at_its_indentation() -> None:
    docstring = f'"""Run `{NAME} report` on a no-op PR branch, after one setup repro."""'
    source = f"def f() -> None:\n    {docstring}\n"
    result = rewrap(source, [2], WIDTH)
    assert result.splitlines()[2].startswith("    ") and not overlong(result)
    assert without_docstrings(ast.parse(result)) == without_docstrings(ast.parse(source))


@pytest.mark.parametrize(
    "source",
    [
        f'X = """\nimport {NAME}.a, {NAME}.b, {NAME}.c\n"""\n',  # data, not prose
        f"x = [{NAME}_first_value, {NAME}_second_value, {NAME}_third]\n",  # code: ruff's job
        f'X = "{NAME}_{NAME}_{NAME}"\n',  # no space to cut at
        f'X = f"{{{NAME} + {NAME} + {NAME}}}"\n',  # spaces only inside a placeholder
        f'X = r"{NAME}\\ {NAME}\\ {NAME}"\n',  # only escaped spaces
        f"x = 1  # noqa: E501 {NAME} {NAME} {NAME}\n",
        f'X = "{NAME} and {NAME} then" "{NAME}"\n',  # implicitly joined at the top level
        "def broken(:\n",
    ],
)
def test_what_cannot_be_shortened_safely_is_left_alone(source: str) -> None:
    assert rewrap(source, range(1, 4), WIDTH) == source


def write_project(root: Path, module: str) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n\n'
        '[tool.ruff.lint]\nselect = ["E", "F", "I"]\n'
    )
    (root / "pkg" / "__init__.py").write_text("")
    path = root / "pkg" / "mod.py"
    path.write_text(module)
    return path


def test_tidy_sorts_formats_and_shortens_until_ruff_passes(tmp_path: Path) -> None:
    body = SOURCE.replace(
        "from __future__ import annotations\n", "from pkg import zeta\nimport os\n"
    )
    path = write_project(tmp_path, f"{body}\nPATHS = (os.sep, zeta)\n")
    tidy(tmp_path, tool_env())
    text = path.read_text()
    assert text.index("import os") < text.index("from pkg import zeta")
    assert not overlong(text)
    assert code(text) == code(f"{body}\nPATHS = (os.sep, zeta)\n")


def code(source: str) -> str:
    """The AST without imports (ruff sorts them) and with docstring whitespace normalised."""
    tree = ast.parse(source)
    tree.body = [node for node in tree.body if not isinstance(node, ast.Import | ast.ImportFrom)]
    return without_docstrings(tree)


def test_tidy_names_the_line_it_cannot_fix(tmp_path: Path) -> None:
    write_project(tmp_path, f'X = """\n{NAME} {NAME} {NAME}\n"""\n')
    with pytest.raises(TabmlError, match=r"^after the rename ruff still finds 1 problem") as error:
        tidy(tmp_path, tool_env())
    assert "pkg/mod.py:2 E501" in str(error.value) and "choose a shorter NAME" in str(error.value)


@pytest.mark.parametrize(
    ("template", "after"),
    [("X = [\n    {line}\n    0,\n]\n", ","), ("X = {{\n    {line} 0,\n}}\n", ":")],
    ids=["list item", "dict key"],
)
def test_a_literal_is_cut_when_only_the_punctuation_after_it_crosses_the_limit(
    tmp_path: Path, template: str, after: str
) -> None:
    """`acme-churn-model` failed `make init` this way: a string ended at column 100 exactly, and
    only the comma behind it was past the limit, where ruff cannot shorten anything."""
    line = f'"{"x" * 40} {"y" * (WIDTH - 4 - 2 - 41)}"{after}'
    source = template.format(line=line)
    assert next(len(row) for row in source.splitlines() if '"' in row) > WIDTH
    path = write_project(tmp_path, source)
    tidy(tmp_path, tool_env())
    tidied = path.read_text()
    assert not overlong(tidied)
    assert code(tidied) == code(source)  # the same value: two adjacent literals, joined
