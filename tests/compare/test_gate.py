"""Gate rules: floors, significant regressions only, slices with enough rows, the lock."""

from tabml.compare.bootstrap import Delta
from tabml.compare.gate import SliceDelta, evaluate_gate
from tabml.compare.revision import LockStatus
from tabml.config import GateParams

FRESH = LockStatus(fresh=True)


def delta(metric: str, base: float, pr: float, low: float, high: float) -> Delta:
    return Delta(metric, base, pr, pr - base, low, high)


def outcome(
    gate: GateParams,
    deltas: list[Delta],
    slices: list[SliceDelta] | None = None,
    lock: LockStatus = FRESH,
) -> dict[str, bool]:
    return {c.rule: c.passed for c in evaluate_gate(gate, deltas, slices or [], lock)}


def test_floor_applies_in_the_metrics_direction() -> None:
    gate = GateParams(floors={"roc_auc": 0.9, "log_loss": 0.3}, fail_on_stale_lock=False)
    ok = outcome(
        gate, [delta("roc_auc", 0.92, 0.91, -0.02, 0.0), delta("log_loss", 0.3, 0.29, -0.02, 0.0)]
    )
    assert ok == {"roc_auc >= 0.9": True, "log_loss <= 0.3": True}
    bad = outcome(
        gate, [delta("roc_auc", 0.92, 0.89, -0.04, -0.02), delta("log_loss", 0.3, 0.31, 0.0, 0.02)]
    )
    assert bad == {"roc_auc >= 0.9": False, "log_loss <= 0.3": False}


def test_regressions_fail_only_when_significant_and_too_large() -> None:
    gate = GateParams(max_regression={"roc_auc": 0.005}, fail_on_stale_lock=False)
    rule = "roc_auc drop <= 0.005 when significant"
    assert outcome(gate, [delta("roc_auc", 0.93, 0.92, -0.02, 0.001)])[rule] is True  # noise
    assert outcome(gate, [delta("roc_auc", 0.93, 0.927, -0.004, -0.002)])[rule] is True  # small
    assert outcome(gate, [delta("roc_auc", 0.93, 0.92, -0.012, -0.008)])[rule] is False


def test_slices_below_the_row_minimum_never_gate() -> None:
    gate = GateParams(
        max_slice_regression={"roc_auc": 0.01}, min_slice_rows=100, fail_on_stale_lock=False
    )
    worse = delta("roc_auc", 0.9, 0.8, -0.12, -0.08)
    checks = outcome(
        gate,
        [],
        [SliceDelta("race", "Other", 50, worse), SliceDelta("gender", "Female", 3000, worse)],
    )
    assert checks == {"roc_auc on gender=Female drop <= 0.01 when significant": False}


def test_stale_lock_fails_only_when_configured() -> None:
    stale = LockStatus(fresh=False, reasons=["train: params changed (train)"])
    assert outcome(GateParams(), [], lock=stale) == {"dvc.lock is up to date": False}
    assert outcome(GateParams(fail_on_stale_lock=False), [], lock=stale) == {}
