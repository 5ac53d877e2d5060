"""A release built by reproducing the pipeline must reproduce the committed metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tabml import io, paths
from tabml.errors import TabmlError
from tabml.platform import git

# reports/metrics.json holds values rounded to 6 decimals; one unit in the last place is the
# most that a different BLAS or CPU may move them without the model being a different model.
DEFAULT_TOLERANCE = 1e-6
_EPS = 1e-12  # so that a difference of exactly `tolerance` passes despite float error


def metric_differences(
    committed: dict[str, Any], reproduced: dict[str, Any], tolerance: float = DEFAULT_TOLERANCE
) -> list[str]:
    """Each metric whose reproduced value differs from the committed one, in words."""
    differences = []
    for name in sorted(set(committed) | set(reproduced)):
        old, new = committed.get(name), reproduced.get(name)
        numbers = all(isinstance(v, int | float) for v in (old, new))
        if numbers and math.isclose(float(old), float(new), rel_tol=0.0, abs_tol=tolerance + _EPS):  # type: ignore[arg-type]
            continue
        if not numbers and old == new:
            continue
        differences.append(f"{name} {new} vs {old} committed")
    return differences


def check_reproduced_metrics(
    rev: str = "HEAD", tolerance: float = DEFAULT_TOLERANCE, cwd: Path = Path()
) -> dict[str, Any]:
    """Refuse when the workspace's reports/metrics.json differs from the one committed at `rev`."""
    committed_bytes = git.show(rev, str(paths.METRICS), cwd=cwd)
    if committed_bytes is None:
        raise TabmlError(f"{paths.METRICS} is not committed at {rev}; nothing to compare with")
    committed = json.loads(committed_bytes)
    reproduced = io.read_json(cwd / paths.METRICS)
    differences = metric_differences(committed, reproduced, tolerance)
    if differences:
        more = f" (and {len(differences) - 1} more)" if len(differences) > 1 else ""
        raise TabmlError(
            f"{paths.METRICS} reproduced here differs from the one committed at {rev}: "
            f"{differences[0]}{more}; refusing to release a model that does not match its report"
        )
    return dict(reproduced)
