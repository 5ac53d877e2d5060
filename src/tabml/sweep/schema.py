"""The sweep file: a grid or a seeded random search over dotted params keys, validated.

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

A problem is one `TabmlError` sentence naming the key; `tabml.sweep.spec` expands a valid file
into candidates and checks each against params.yaml.
"""

from __future__ import annotations

import builtins
import random
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

from tabml.errors import TabmlError

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr | None
MAX_CANDIDATES = 256  # a GitHub Actions matrix runs at most 256 jobs
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
