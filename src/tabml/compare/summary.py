"""The machine-readable side of a report (report.json): what the gate and tools read."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tabml.compare.report import Comparison


def summary(comparison: Comparison) -> dict[str, Any]:
    """Verdict, checks, deltas and provenance as plain JSON types."""
    return {
        "passed": comparison.passed,
        "headline": comparison.headline,
        "paired": comparison.paired,
        "base": {"sha": comparison.base.sha, "source": comparison.base.source},
        "pr": {"sha": comparison.pr.sha},
        "lock_fresh": comparison.head_lock.fresh,
        "lock_reasons": comparison.head_lock.reasons,
        "checks": [asdict(check) for check in comparison.checks],
        "deltas": [
            asdict(delta) | {"significant": delta.significant} for delta in comparison.deltas
        ],
        "slices": [
            {"group": s.group, "value": s.value, "rows": s.rows}
            | asdict(s.delta)
            | {"significant": s.delta.significant}
            for s in comparison.slices
        ],
        "params_changed": [change.key for change in comparison.params],
        "inputs_changed": [item.path for item in comparison.inputs if item.changed],
    }
