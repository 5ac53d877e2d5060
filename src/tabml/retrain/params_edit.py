"""Point a path key of params.yaml (`data.path`, `retrain.base`) at another file: one line
changed, comments kept, so the diff a person reviews is that one line."""

from __future__ import annotations

import json
import re

import yaml

from tabml.errors import TabmlError

_PLAIN = re.compile(r"^[A-Za-z0-9_./-]+$")


def point_key(text: str, section: str, key: str, new_path: str, source: str = "params.yaml") -> str:
    """`text` with the value of `section.key` replaced by `new_path` (comment column kept)."""
    header = re.compile(rf"^{re.escape(section)}:\s*(#.*)?$")
    entry = re.compile(
        rf"^(?P<indent>[ ]+){re.escape(key)}:(?P<gap>[ ]*)(?P<value>[^#\s][^#]*?)(?P<rest>\s+#.*)?$"
    )
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        raise TabmlError(f"{source}: no top-level '{section}:' section to edit '{section}.{key}'")
    value = new_path if _PLAIN.match(new_path) else json.dumps(new_path)
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line and not line.startswith((" ", "#")):
            break  # the next top-level section
        match = entry.match(line)
        if match is None:
            continue
        head = f"{match['indent']}{key}:{match['gap']}{value}"
        rest = match["rest"] or ""
        if rest:  # keep the comment where it was when the new value fits
            width = len(match["indent"]) + len(key) + 1 + len(match["gap"]) + len(match["value"])
            pad = max(1, width + len(rest) - len(rest.lstrip()) - len(head))
            rest = " " * pad + rest.lstrip()
        lines[i] = head + rest
        edited = "\n".join(lines)
        if (yaml.safe_load(edited) or {}).get(section, {}).get(key) != new_path:
            break
        return edited
    raise TabmlError(f"{source}: could not find the line of key '{section}.{key}' to edit")


def point_data_path(text: str, new_path: str, source: str = "params.yaml") -> str:
    """`text` with `data.path` pointing at `new_path` (the retrain table)."""
    return point_key(text, "data", "path", new_path, source)
