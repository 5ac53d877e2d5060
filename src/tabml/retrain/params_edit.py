"""Point `data.path` in params.yaml at the retrain table: one line changed, comments kept."""

from __future__ import annotations

import json
import re

import yaml

from tabml.errors import TabmlError

_SECTION = re.compile(r"^data:\s*(#.*)?$")
_PATH = re.compile(r"^(?P<indent>[ ]+)path:(?P<gap>[ ]*)(?P<value>[^#\s][^#]*?)(?P<rest>\s+#.*)?$")
_PLAIN = re.compile(r"^[A-Za-z0-9_./-]+$")


def point_data_path(text: str, new_path: str, source: str = "params.yaml") -> str:
    """`text` with the value of `data.path` replaced by `new_path` (column of the comment kept)."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if _SECTION.match(line)), None)
    if start is None:
        raise TabmlError(f"{source}: no top-level 'data:' section to point at the retrain table")
    value = new_path if _PLAIN.match(new_path) else json.dumps(new_path)
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line and not line.startswith((" ", "#")):
            break  # the next top-level section
        match = _PATH.match(line)
        if match is None:
            continue
        head = f"{match['indent']}path:{match['gap']}{value}"
        rest = match["rest"] or ""
        if rest:  # keep the comment where it was when the new value fits
            width = len(match["indent"]) + 5 + len(match["gap"]) + len(match["value"])
            pad = max(1, width + len(rest) - len(rest.lstrip()) - len(head))
            rest = " " * pad + rest.lstrip()
        lines[i] = head + rest
        edited = "\n".join(lines)
        if (yaml.safe_load(edited) or {}).get("data", {}).get("path") != new_path:
            break
        return edited
    raise TabmlError(f"{source}: could not find the line of key 'data.path' to edit")
