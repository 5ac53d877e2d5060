"""Shorten the lines a longer package name pushed past the line length, where ruff cannot.

`ruff format` re-wraps code, but never prose: a docstring, a comment or a string literal that
names the package grows with the name. `rewrap` fixes one step per overlong line, keeping what
the code means: it refills a comment or docstring paragraph at word boundaries, moves a trailing
comment above its line, and splits a one-line string literal at a space into two adjacent
literals (Python concatenates them), also when only the punctuation behind it (`,`, `:`, a
bracket) is past the limit. Anything else (code, other triple-quoted strings) is left as it is.
The caller formats again and repeats until nothing changes.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from collections.abc import Iterable

PRAGMA = re.compile(r"#\s*(?:noqa|type:|pragma|fmt:|ruff:|mypy:)")
LIST_ITEM = re.compile(r"(?:[-*+] |\d+[.)] |>>> |\.\.\. |```)")
OPENING = "([{"
CLOSING = ")]}"

Edit = tuple[int, int, list[str]]  # first row, last row (1-based, inclusive), new lines


def rewrap(source: str, rows: Iterable[int], width: int) -> str:
    """`source` with each overlong line in `rows` shortened one step, where that is safe."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        docstrings = _docstring_rows(ast.parse(source))
    except (SyntaxError, tokenize.TokenError):
        return source
    lines = source.splitlines(keepends=True)
    edits: list[Edit] = []
    for row in sorted(set(rows)):
        if any(first <= row <= last for first, last, _ in edits):
            continue
        edit = _edit(lines, tokens, docstrings, row, width)
        if edit is not None:
            edits.append(edit)
    for first, last, new in sorted(edits, reverse=True):
        lines[first - 1 : last] = [line + "\n" for line in new]
    return "".join(lines)


def _docstring_rows(tree: ast.Module) -> set[int]:
    """First rows of the module, class and function docstrings."""
    rows: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                rows.add(first.lineno)
    return rows


def _edit(
    lines: list[str],
    tokens: list[tokenize.TokenInfo],
    docstrings: set[int],
    row: int,
    width: int,
) -> Edit | None:
    """The one edit that shortens `row`, or None: the token across the limit decides."""
    depth = 0
    for index, token in enumerate(tokens):
        inside = depth  # the depth of the token before a closing bracket
        if token.type == tokenize.OP and token.string in OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in CLOSING:
            depth -= 1
        if token.start[0] > row:
            return None
        crosses = token.end[0] > row or (token.end[0] == row and token.end[1] > width)
        if crosses and _closes_literal(tokens, index, row):
            # only the punctuation after a literal is past the limit: cut the literal
            return _split_string(lines, tokens, index - 1, inside, width)
        if not crosses or token.type not in (tokenize.COMMENT, tokenize.STRING):
            continue
        if token.type == tokenize.COMMENT:
            return _comment(lines, token, width)
        if token.start[0] in docstrings:
            return _docstring(lines, token, row, width)
        if token.start[0] == token.end[0] == row and not _triple(token.string):
            return _split_string(lines, tokens, index, depth, width)
        return None
    return None


def _closes_literal(tokens: list[tokenize.TokenInfo], index: int, row: int) -> bool:
    """Whether `tokens[index]` is punctuation right after a one-line, non-triple literal."""
    token, before = tokens[index], tokens[index - 1] if index else None
    return (
        token.type == tokenize.OP
        and before is not None
        and before.type == tokenize.STRING
        and before.start[0] == row
        and before.end == token.start
        and not _triple(before.string)
    )


def _fill(words: str, first: str, rest: str, width: int) -> list[str]:
    return textwrap.wrap(
        words,
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _comment(lines: list[str], token: tokenize.TokenInfo, width: int) -> Edit | None:
    """Refill a comment paragraph from this line on; a trailing comment goes above its code."""
    row, column = token.start
    line = lines[row - 1].rstrip("\n")
    if PRAGMA.match(token.string) or not token.string.startswith("# "):
        return None
    indent = line[: len(line) - len(line.lstrip())]
    if line[:column].strip():
        code = line[:column].rstrip()
        return row, row, [*_fill(token.string[2:], indent + "# ", indent + "# ", width), code]
    last, words = row, [token.string[2:]]
    while last < len(lines):
        following = lines[last].rstrip("\n")
        text = following[len(indent) :]
        if not following.startswith(indent + "# ") or PRAGMA.match(text):
            break
        body = text[2:]
        if not body.strip() or body[0].isspace() or LIST_ITEM.match(body):
            break
        words.append(body)
        last += 1
    return row, last, _fill(" ".join(words), indent + "# ", indent + "# ", width)


def _docstring(lines: list[str], token: tokenize.TokenInfo, row: int, width: int) -> Edit | None:
    """Refill the docstring paragraph (or list item) from `row` on: only whitespace changes."""
    first_row, last_row = token.start[0], token.end[0]
    closing = token.string[-3:]
    line = lines[row - 1].rstrip("\n")
    if row == first_row:
        start = token.start[1] + len(_prefix(token.string)) + 3
        head, body, indent = line[:start], line[start:], " " * token.start[1]
    else:
        body = line.lstrip()
        head = indent = line[: len(line) - len(body)]
    item = LIST_ITEM.match(body) if row > first_row else None
    hang = indent + " " * len(item.group()) if item else indent
    if body.endswith("\\") or (item and item.group().strip() in (">>>", "...", "```")):
        return None
    words, last = [body], row
    while last < last_row:
        text = lines[last].rstrip("\n")
        rest = text[len(hang) :]
        if (
            not text.startswith(hang)
            or not rest.strip()
            or rest[0].isspace()
            or rest.strip() == closing
            or rest.endswith("\\")
            or LIST_ITEM.match(rest)
        ):
            break
        words.append(rest)
        last += 1
    joined = " ".join(words)
    if last == last_row:
        joined = joined.removesuffix(closing).rstrip() + closing
    return row, last, _fill(joined, head, hang, width)


def _prefix(string: str) -> str:
    """A literal's prefix letters (`rb`, `f`, ...)."""
    return string[: len(string) - len(string.lstrip("rRbBuUfF"))]


def _triple(string: str) -> bool:
    return string[len(_prefix(string)) :][:3] in ('"""', "'''")


def _split_points(body: str, formatted: bool) -> list[int]:
    """Indices of spaces in a literal's body where it can be cut: not escaped, not in `{}`."""
    points, braces, index = [], 0, 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index += 2
            continue
        if formatted and body.startswith(("{{", "}}"), index) and braces == 0:
            index += 2
            continue
        if formatted and char in "{}":
            braces += 1 if char == "{" else -1
        elif char == " " and braces == 0 and 0 < index < len(body) - 1:
            points.append(index)
        index += 1
    return points


def _literal(prefix: str, quote: str, body: str) -> str:
    """One part of a split literal; an f-string part without a placeholder loses its `f`."""
    if "f" in prefix.lower() and not _unescaped_braces(body):
        prefix = prefix.replace("f", "").replace("F", "")
        body = body.replace("{{", "{").replace("}}", "}")
    return f"{prefix}{quote}{body}{quote}"


def _unescaped_braces(body: str) -> bool:
    return "{" in body.replace("{{", "").replace("}}", "")


def _split_string(
    lines: list[str],
    tokens: list[tokenize.TokenInfo],
    index: int,
    depth: int,
    width: int,
) -> Edit | None:
    """`"a b"` -> `"a " "b"`, cut at the last space that fits (in parentheses when needed)."""
    token = tokens[index]
    row, column = token.start
    prefix = _prefix(token.string)
    quote = token.string[len(prefix)]
    body = token.string[len(prefix) + 1 : -1]
    points = _split_points(body, "f" in prefix.lower())
    if not points:
        return None
    neighbours = [
        tokens[i].type
        for i in (index - 1, index + 1)
        if 0 <= i < len(tokens) and tokens[i].type != tokenize.NL
    ]
    wrap = depth == 0
    if wrap and tokenize.STRING in neighbours:
        return None
    room = width - column - len(prefix) - 2 - int(wrap)
    fitting = [point for point in points if point + 1 <= room]
    cut = fitting[-1] if fitting else points[0]
    parts = [_literal(prefix, quote, part) for part in (body[: cut + 1], body[cut + 1 :])]
    split = " ".join(parts)
    if wrap:
        split = f"({split})"
    line = lines[row - 1].rstrip("\n")
    return row, row, [line[:column] + split + line[token.end[1] :]]
