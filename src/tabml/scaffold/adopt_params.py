"""Edit keys of params.yaml as text, so its comments, order and layout survive `tabml adopt`.

ruamel.yaml would round-trip comments, but it is not a dependency of tabml (only of DVC's), and
params.yaml is written in a plain block style: each key on its own line, indented by two spaces
per level. `set_key` replaces one key's value (and its nested lines), keeping the comment at its
column; a missing key is added at the end of its section. `edit_params` applies many and checks
that the edited text parses to exactly the values asked for, else it refuses in one sentence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

from tabml.errors import TabmlError

_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?P<value>[^#]*?)(?P<comment>\s+#.*)?$")
_PLAIN = re.compile(r"^[A-Za-z_./][A-Za-z0-9_./ -]*$")
INDENT = 2
WIDTH = 100  # a longer line gets its comment on the line above


def render(value: object) -> str:
    """A value as one line of flow-style YAML (quoted only where YAML would misread it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        plain = _PLAIN.match(value) and value == value.strip()
        return value if plain and yaml.safe_load(value) == value else json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render(k)}: {render(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as YAML")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    """A line that holds YAML (not blank, not only a comment)."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _block_end(lines: list[str], start: int, end: int) -> int:
    """One past the last line of the value of the key on line `start` (nested lines, and a block
    sequence written at the key's own indent); trailing comments belong to what follows."""
    indent = _indent(lines[start])
    last = start
    for i in range(start + 1, end):
        line = lines[i]
        if not _content(line):
            continue
        nested = _indent(line) > indent
        if not nested and not (_indent(line) == indent and line.lstrip().startswith("- ")):
            break
        last = i
    return last + 1


def _find(lines: list[str], path: list[str]) -> tuple[int, int, int, int]:
    """(deepest key line found or -1, its block end, how many keys of `path` were found, the
    indent of that block's children)."""
    start, end, depth, child = -1, len(lines), 0, 0
    for key in path:
        found = None
        for i in range(start + 1, end):
            match = _KEY.match(lines[i])
            if match and len(match["indent"]) == child and match["key"] == key:
                found = i
                break
        if found is None:
            break
        start, end, depth = found, _block_end(lines, found, end), depth + 1
        inner = [_indent(x) for x in lines[start + 1 : end] if _content(x)]
        child = min(inner) if inner and min(inner) > _indent(lines[start]) else child + INDENT
    return start, end, depth, child


def _sentences(comment: str) -> str:
    """A comment cut after its last full sentence, when the rest continued on removed lines."""
    cut = comment.rfind(". ")
    return comment[: cut + 1] if cut > 0 else comment


def _without_old(comment: str, old: object) -> str:
    """The comment without the parentheses that explain an old value, e.g. "(fnlwgt is a census
    sampling weight)" once `fnlwgt` is no longer dropped."""
    items = old if isinstance(old, list) else [old]
    for item in items:
        if isinstance(item, str) and item:
            word = re.escape(item)
            comment = re.sub(rf"\s*\([^()]*(?<!\w){word}(?!\w)[^()]*\)", "", comment)
    return comment


def set_key(text: str, dotted: str, value: object) -> str:
    """`text` with `dotted` (e.g. ``report.gate.floors``) set to `value` on one line."""
    lines = text.split("\n")
    path = dotted.split(".")
    start, end, depth, child = _find(lines, path)
    if depth == len(path):
        match = _KEY.match(lines[start])
        assert match is not None
        removed = [i for i in range(start + 1, end) if _content(lines[i])]
        comment = (match["comment"] or "").lstrip()
        column = len(lines[start]) - len(comment)  # where the comment starts, kept if it fits
        if any("#" in lines[i] for i in removed):
            comment = _sentences(comment)
        old = yaml.safe_load(match["value"].strip() or "null") if not removed else None
        comment = _without_old(comment, old) if render(old) != render(value) else comment
        head = f"{match['indent']}{match['key']}: {render(value)}"
        keep = [lines[i] for i in range(start + 1, end) if i not in removed]
        if comment and len(head) + 1 + len(comment) > WIDTH:  # the comment moves above the key
            lines[start:end] = [f"{match['indent']}{comment}", head, *keep]
        else:
            pad = " " * max(1, column - len(head)) if comment else ""
            lines[start:end] = [head + pad + comment, *keep]
        return "\n".join(lines)
    new: list[str] = []
    for level, key in enumerate(path[depth:]):
        pad = " " * (child + INDENT * level)
        last = depth + level == len(path) - 1
        new.append(f"{pad}{key}: {render(value)}" if last else f"{pad}{key}:")
    if start < 0:  # a new top-level section at the end of the file
        while lines and not lines[-1].strip():
            lines.pop()
        lines[len(lines) :] = ["", *new, ""]
    else:
        lines[end:end] = new
    return "\n".join(lines)


def lookup(raw: Any, dotted: str) -> Any:
    """The value at `dotted` in parsed YAML, or KeyError."""
    for key in dotted.split("."):
        if not isinstance(raw, dict) or key not in raw:
            raise KeyError(dotted)
        raw = raw[key]
    return raw


def edit_params(text: str, changes: Mapping[str, object], source: str = "params.yaml") -> str:
    """`text` with every key of `changes` set, checked by parsing the result."""
    edited = text
    for dotted, value in changes.items():
        edited = set_key(edited, dotted, value)
    try:
        parsed = yaml.safe_load(edited)
    except yaml.YAMLError:
        raise TabmlError(
            f"{source}: editing it would not leave valid YAML; edit it by hand"
        ) from None
    for dotted, value in changes.items():
        try:
            ok = lookup(parsed, dotted) == value
        except KeyError:
            ok = False
        if not ok:
            raise TabmlError(
                f"{source}: could not set key '{dotted}' by editing the text; set it by hand"
            )
    return edited
