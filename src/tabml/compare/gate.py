"""The quality gate: absolute floors, significant regressions, slices and the lock."""

from __future__ import annotations

from dataclasses import dataclass

from tabml import metrics as registry
from tabml.compare.bootstrap import Delta
from tabml.compare.revision import LockStatus
from tabml.config import GateParams


@dataclass(frozen=True)
class SliceDelta:
    """One slice's change in one metric (base and PR rows of the same group value)."""

    group: str
    value: str
    rows: int
    delta: Delta


@dataclass(frozen=True)
class Check:
    """One rule of the gate and how the PR fared."""

    rule: str
    passed: bool
    detail: str


def _floor(name: str, limit: float, value: float) -> Check:
    """A floor, or a ceiling where lower is better."""
    metric = registry.get(name)
    return Check(
        f"{name} {metric.bound} {limit}", metric.meets(value, limit), f"{name} is {value:.4f}"
    )


def _regression(name: str, delta: Delta, allowed: float) -> Check:
    worse = delta.regression
    failed = delta.significant and worse > allowed
    if delta.significant and worse > 0:
        detail = f"worse by {worse:.4f} (significant)"
    elif worse > 0:
        detail = f"worse by {worse:.4f}, within noise"
    else:
        detail = "not worse"
    return Check(f"{name} drop <= {allowed} when significant", not failed, detail)


def evaluate_gate(
    gate: GateParams, deltas: list[Delta], slices: list[SliceDelta], head_lock: LockStatus
) -> list[Check]:
    """Every gate rule applied to the comparison, in a stable order."""
    by_metric = {delta.metric: delta for delta in deltas}
    checks = [_floor(m, limit, by_metric[m].pr) for m, limit in gate.floors.items()]
    checks += [_regression(m, by_metric[m], limit) for m, limit in gate.max_regression.items()]
    for item in slices:
        limit = gate.max_slice_regression.get(item.delta.metric)
        if limit is not None and item.rows >= gate.min_slice_rows:
            name = f"{item.delta.metric} on {item.group}={item.value}"
            checks.append(_regression(name, item.delta, limit))
    if gate.fail_on_stale_lock:
        detail = "matches the code, params and data" if head_lock.fresh else head_lock.reasons[0]
        checks.append(Check("dvc.lock is up to date", head_lock.fresh, detail))
    return checks
