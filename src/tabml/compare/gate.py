"""The quality gate: the trivial baseline, opt-in floors, significant regressions, slices, lock.

Its defaults are data-agnostic (`GateParams`): the PR's model must beat the trivial baseline
significantly, and must not be significantly worse than the base, on the headline metric.
"""

from __future__ import annotations

from dataclasses import dataclass

from tabml import metrics as registry
from tabml import paths
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


def baseline_metrics(gate: GateParams, headline: str) -> list[str]:
    """The metrics on which the PR must beat the trivial baseline (default: the headline)."""
    return [headline] if gate.beat_baseline is None else list(dict.fromkeys(gate.beat_baseline))


def regression_limits(gate: GateParams, headline: str) -> dict[str, float]:
    """The largest significant drop allowed per metric (default: none on the headline)."""
    return {headline: 0.0} if gate.max_regression is None else dict(gate.max_regression)


def _beats_baseline(name: str, delta: Delta | None) -> Check:
    """Model minus baseline on the same rows: its interval must exclude 0 on the better side."""
    rule = f"{name} beats the trivial baseline (significant)"
    if delta is None:
        missing = f"{paths.PREDICTIONS} has no {paths.BASELINE_SCORE} column; run `dvc repro`"
        return Check(rule, False, missing)
    better = delta.high < 0 if registry.get(name).lower_is_better else delta.low > 0
    detail = (
        f"model {delta.pr:.4f}, baseline {delta.base:.4f}: {delta.delta:+.4f}, "
        f"interval [{delta.low:+.4f}, {delta.high:+.4f}]"
    )
    return Check(rule, better, detail)


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
    gate: GateParams,
    deltas: list[Delta],
    slices: list[SliceDelta],
    head_lock: LockStatus,
    *,
    headline: str | None = None,
    baseline: list[Delta] | None = None,
) -> list[Check]:
    """Every gate rule applied to the comparison, in a stable order.

    `baseline`: the PR's model against the trivial baseline (`Delta.base` is the baseline's
    value), None when the PR's predictions lack it. Without a `headline` (a release's floors)
    only the configured rules apply, never the headline defaults.
    """
    by_metric = {delta.metric: delta for delta in deltas}
    against = {delta.metric: delta for delta in baseline or []}
    named = baseline_metrics(gate, headline) if headline else list(gate.beat_baseline or [])
    limits = regression_limits(gate, headline) if headline else dict(gate.max_regression or {})
    checks = [_floor(m, limit, by_metric[m].pr) for m, limit in gate.floors.items()]
    checks += [_beats_baseline(m, against.get(m)) for m in named]
    checks += [_regression(m, by_metric[m], limit) for m, limit in limits.items()]
    for item in slices:
        limit = gate.max_slice_regression.get(item.delta.metric)
        if limit is None:
            continue
        name = f"{item.delta.metric} on {item.group}={item.value}"
        if item.rows >= gate.min_slice_rows:
            checks.append(_regression(name, item.delta, limit))
        else:  # listed, so a slice never vanishes from the table without a word
            detail = f"not gated (n = {item.rows} < min_slice_rows {gate.min_slice_rows})"
            checks.append(Check(f"{name} drop <= {limit} when significant", True, detail))
    if gate.fail_on_stale_lock:
        detail = "matches the code, params and data" if head_lock.fresh else head_lock.reasons[0]
        checks.append(Check("dvc.lock is up to date", head_lock.fresh, detail))
    return checks
