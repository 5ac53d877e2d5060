"""Sweep files: a grid or a seeded random search over dotted params keys, expanded to candidates.

```yaml
grid:                                   # every combination, in key order
  train.hist_gradient_boosting.learning_rate: [0.05, 0.1]
  train.hist_gradient_boosting.max_iter: [50]
```

```yaml
random:                                 # `samples` seeded draws
  samples: 4
  seed: 0
  params:
    train.hist_gradient_boosting.learning_rate: {loguniform: [0.01, 0.3]}
    train.hist_gradient_boosting.max_leaf_nodes: {int: [15, 63]}
    featurize.numeric_imputer: [median, mean]        # a list is a uniform choice
```

Every key must name a value in params.yaml, and every candidate must give valid params: both are
checked before anything runs, and a problem is one `TabmlError` sentence.
"""

from __future__ import annotations

import builtins
import copy
import itertools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from tabml.config import parse_params
from tabml.errors import TabmlError

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr | None
MAX_CANDIDATES = 256  # a GitHub Actions matrix runs at most 256 jobs
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESERVED = {"true", "false", "null", "none", "nan", "inf"}
_SCALAR_BRANCHES = {"bool", "int", "float", "str", "none"}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Distribution(_Model):
    """One of: `uniform: [low, high]`, `loguniform: [low, high]`, `int: [low, high]` (inclusive)."""

    uniform: tuple[float, float] | None = None
    loguniform: tuple[Annotated[float, Field(gt=0.0)], Annotated[float, Field(gt=0.0)]] | None = (
        None
    )
    int: tuple[StrictInt, StrictInt] | None = None

    @model_validator(mode="after")
    def _one_range(self) -> Distribution:
        given = [(k, v) for k, v in self.model_dump().items() if v is not None]
        if len(given) != 1:
            raise ValueError("a distribution needs exactly one of uniform, loguniform, int")
        kind, (low, high) = given[0]
        if not low < high:
            raise ValueError(f"{kind} needs low < high (got [{low}, {high}])")
        return self

    def draw(self, rng: random.Random) -> float | builtins.int:
        """One value; floats are rounded to 4 significant digits (readable, valid -S values)."""
        if self.int is not None:
            return rng.randint(*self.int)
        if self.loguniform is not None:
            low, high = self.loguniform
            return float(f"{low * (high / low) ** rng.random():.4g}")
        assert self.uniform is not None
        low, high = self.uniform
        return float(f"{rng.uniform(low, high):.4g}")


Choices = Annotated[list[Scalar], Field(min_length=1)]


def _space_kind(value: Any) -> str | None:
    if isinstance(value, list):
        return "choice"
    return "range" if isinstance(value, dict | Distribution) else None


Space = Annotated[
    Annotated[Choices, Tag("choice")] | Annotated[Distribution, Tag("range")],
    Discriminator(
        _space_kind,
        custom_error_type="space",
        custom_error_message="must be a list of values or a range (uniform, loguniform, int)",
    ),
]


class RandomSearch(_Model):
    """`samples` draws of every key, seeded; duplicate candidates are dropped."""

    samples: Annotated[int, Field(ge=1, le=MAX_CANDIDATES)]
    seed: int = 0
    params: Annotated[dict[str, Space], Field(min_length=1)]


class SweepFile(_Model):
    """A sweep file: exactly one of `grid` or `random`."""

    description: str | None = None
    grid: Annotated[dict[str, Choices], Field(min_length=1)] | None = None
    random: RandomSearch | None = None

    @model_validator(mode="after")
    def _one_search(self) -> SweepFile:
        if (self.grid is None) == (self.random is None):
            raise ValueError("give exactly one of 'grid' or 'random'")
        return self

    @property
    def keys(self) -> list[str]:
        """The dotted params keys the sweep varies, in file order."""
        return list(self.grid if self.grid is not None else self.random.params)  # type: ignore[union-attr]


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


def _describe(error: ErrorDetails) -> str:
    """One phrase naming where the sweep file is wrong (`grid > train.seed`)."""
    loc = [str(part) for part in error["loc"] if str(part) not in {"choice", "range"}]
    if loc and loc[-1] in _SCALAR_BRANCHES:
        return f"'{' > '.join(loc[:-1])}' must be a number, a string, true/false or null"
    key = " > ".join(loc)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    if error["type"] == "missing":
        return f"missing key '{key}'"
    if error["type"] == "list_type":
        return f"'{key}' must be a list of values"
    return f"'{key}': {message[0].lower()}{message[1:]}" if key else message


def parse_sweep(raw: object, source: str) -> SweepFile:
    """Validate a parsed sweep document; raise `TabmlError` naming the first problem."""
    if not isinstance(raw, dict):
        raise TabmlError(f"{source}: expected a mapping with 'grid' or 'random'")
    try:
        return SweepFile.model_validate(raw)
    except ValidationError as exc:
        problems = list(dict.fromkeys(_describe(error) for error in exc.errors()))
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise TabmlError(f"{source}: {problems[0]}{more}") from None


def read_sweep(path: Path) -> SweepFile:
    """Read and validate a sweep file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TabmlError(f"{path}: file not found") from None
    except yaml.YAMLError:
        raise TabmlError(f"{path}: not valid YAML") from None
    return parse_sweep(raw, str(path))


def inline_grid(text: str, source: str = "the inline grid") -> SweepFile:
    """A grid given as YAML/JSON text (`{"key": [v1, v2]}`), e.g. a workflow input."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        raise TabmlError(f"{source}: not valid YAML or JSON") from None
    return parse_sweep({"grid": raw}, source)


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
