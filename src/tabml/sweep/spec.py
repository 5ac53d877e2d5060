"""A sweep's candidates: a validated sweep file (tabml.sweep.schema) expanded over params.yaml.

Every key must name a value in params.yaml, and every candidate must give valid params: both are
checked before anything runs, and a problem is one `TabmlError` sentence. `Candidate.overrides`
formats the values as `dvc exp run -S` reads them back unchanged.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tabml.config import parse_params
from tabml.errors import TabmlError
from tabml.sweep.schema import (
    MAX_CANDIDATES,
    Distribution,
    RandomSearch,
    Scalar,
    SweepFile,
    inline_grid,
    read_sweep,
)

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESERVED = {"true", "false", "null", "none", "nan", "inf"}


@dataclass(frozen=True)
class Candidate:
    """One point of the sweep: its position and the params values it sets."""

    index: int
    params: dict[str, Scalar]

    def overrides(self) -> list[str]:
        """`key=value` arguments for `dvc exp run -S`."""
        return [f"{key}={format_value(value)}" for key, value in self.params.items()]


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: where it came from, its keys and its candidates."""

    source: str
    keys: list[str]
    candidates: list[Candidate]

    def labels(self) -> list[str]:
        """A short label per candidate: the values that vary, keyed by their short names."""
        varying = [k for k in self.keys if len({repr(c.params[k]) for c in self.candidates}) > 1]
        shown = varying or self.keys
        names = short_names(self.keys)
        return [
            " ".join(f"{names[k]}={format_value(c.params[k])}" for k in shown)
            for c in self.candidates
        ]


def format_value(value: Scalar) -> str:
    """A value as DVC's `-S` parser (Hydra's override grammar) reads it back unchanged."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if _PLAIN.fullmatch(value) and value.lower() not in _RESERVED:
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def short_names(keys: list[str]) -> dict[str, str]:
    """Each key without the dotted prefix all keys share (`train.hgb.lr` -> `lr`)."""
    parents = [key.split(".")[:-1] for key in keys]
    common = 0
    while all(len(p) > common for p in parents) and len({p[common] for p in parents}) == 1:
        common += 1
    return {key: ".".join(key.split(".")[common:]) for key in keys}


def _grid(grid: dict[str, list[Scalar]]) -> list[dict[str, Scalar]]:
    total = 1
    for values in grid.values():
        total *= len(values)
    if total > MAX_CANDIDATES:
        raise ValueError(f"the grid has {total} candidates, more than {MAX_CANDIDATES}")
    return [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]


def _random(search: RandomSearch) -> list[dict[str, Scalar]]:
    rng = random.Random(search.seed)
    found: dict[str, dict[str, Scalar]] = {}
    for _ in range(search.samples):
        point: dict[str, Scalar] = {
            key: space.draw(rng) if isinstance(space, Distribution) else rng.choice(space)
            for key, space in search.params.items()
        }
        found.setdefault(json.dumps(point, sort_keys=True), point)
    return list(found.values())


def _set(tree: dict[str, Any], key: str, value: Scalar, source: str) -> None:
    """Set a dotted key that must already name a value (not a section) in params."""
    node: Any = tree
    parts = key.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            raise TabmlError(f"{source}: key '{key}' is not in params.yaml")
        if depth == len(parts) - 1:
            if isinstance(node[part], dict):
                raise TabmlError(f"{source}: key '{key}' is a section of params.yaml, not a value")
            node[part] = value
        else:
            node = node[part]


def expand(sweep: SweepFile, params: dict[str, Any], source: str) -> Sweep:
    """All candidates, each checked: its keys exist in `params`, its values give valid params."""
    for key in sweep.keys:
        _set(copy.deepcopy(params), key, None, source)
    try:
        points = _grid(sweep.grid) if sweep.grid is not None else _random(sweep.random)  # type: ignore[arg-type]
    except ValueError as exc:
        raise TabmlError(f"{source}: {exc}") from None
    candidates = [Candidate(i, point) for i, point in enumerate(points)]
    for candidate in candidates:
        tree = copy.deepcopy(params)
        for key, value in candidate.params.items():
            _set(tree, key, value, source)
        parse_params(
            tree, f"{source} (candidate {candidate.index}: {' '.join(candidate.overrides())})"
        )
    return Sweep(source, sweep.keys, candidates)


def load_sweep(path: Path | None, grid: str | None, params_path: Path) -> Sweep:
    """The sweep of a file, or of an inline grid (which wins when both are given)."""
    try:
        params = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TabmlError(f"{params_path}: file not found") from None
    if not isinstance(params, dict):
        raise TabmlError(f"{params_path}: expected a mapping of sections at the top level")
    if grid and grid.strip():
        return expand(inline_grid(grid), params, "the inline grid")
    if path is None:
        raise TabmlError("no sweep given: pass a sweep file or an inline grid")
    return expand(read_sweep(path), params, str(path))
