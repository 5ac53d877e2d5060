"""Gate rules: the trivial baseline, floors, significant regressions only, slices with enough
rows, the lock; and the defaults, which hold for any table."""

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from tabml.compare.bootstrap import Delta
from tabml.compare.gate import SliceDelta, evaluate_gate
from tabml.compare.report import against_baseline
from tabml.compare.revision import LockStatus
from tabml.config import GateParams, ReportParams

FRESH = LockStatus(fresh=True)
DEFAULT = ReportParams()
BEATS = "roc_auc beats the trivial baseline (significant)"


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


def test_slices_below_the_row_minimum_never_gate_but_are_listed() -> None:
    gate = GateParams(
        max_slice_regression={"roc_auc": 0.01}, min_slice_rows=100, fail_on_stale_lock=False
    )
    worse = delta("roc_auc", 0.9, 0.8, -0.12, -0.08)
    slices = [SliceDelta("race", "Other", 50, worse), SliceDelta("gender", "Female", 3000, worse)]
    checks = {c.rule: c for c in evaluate_gate(gate, [], slices, FRESH)}
    assert {rule: c.passed for rule, c in checks.items()} == {
        "roc_auc on race=Other drop <= 0.01 when significant": True,
        "roc_auc on gender=Female drop <= 0.01 when significant": False,
    }
    small = checks["roc_auc on race=Other drop <= 0.01 when significant"]
    assert small.detail == "not gated (n = 50 < min_slice_rows 100)"
    assert checks["roc_auc on gender=Female drop <= 0.01 when significant"].detail.startswith(
        "worse by 0.1000 (significant)"
    )


def test_stale_lock_fails_only_when_configured() -> None:
    stale = LockStatus(fresh=False, reasons=["train: params changed (train)"])
    assert outcome(GateParams(), [], lock=stale) == {"dvc.lock is up to date": False}
    assert outcome(GateParams(fail_on_stale_lock=False), [], lock=stale) == {}


def scored(model: str, rows: int = 400, seed: int = 3) -> pd.DataFrame:
    """Predictions as evaluate writes them: a `good` model, or one that scores random noise."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(rows) < 0.3).astype(int)
    noise = rng.random(rows)
    scores = 0.6 * labels + 0.4 * noise if model == "good" else noise
    return pd.DataFrame(
        {
            "row_id": np.arange(rows),
            "label": labels,
            "score": scores,
            "predicted": (scores >= 0.5).astype(int),
            "baseline_score": labels.mean(),
            "baseline_predicted": 0,
        }
    )


def default_gate(frame: pd.DataFrame, report: ReportParams = DEFAULT) -> dict[str, bool]:
    """The gate with no floors, for a PR whose model did not change against its base."""
    comparison = against_baseline(frame, report)
    assert comparison is not None
    unchanged = [delta(d.metric, d.pr, d.pr, 0.0, 0.0) for d in comparison.deltas]
    checks = evaluate_gate(
        report.gate, unchanged, [], FRESH, headline=report.headline, baseline=comparison.deltas
    )
    return {c.rule: c.passed for c in checks}


def test_default_gate_passes_a_model_that_beats_the_trivial_baseline() -> None:
    assert DEFAULT.gate.floors == {}
    assert default_gate(scored("good")) == {
        BEATS: True,
        "roc_auc drop <= 0.0 when significant": True,
        "dvc.lock is up to date": True,
    }


def test_default_gate_fails_a_model_that_scores_random_noise() -> None:
    outcome = default_gate(scored("noise"))
    assert outcome[BEATS] is False
    assert not any(">=" in rule for rule in outcome)  # no floor decided it


def test_beating_the_baseline_follows_each_metrics_direction() -> None:
    gate = GateParams(beat_baseline=["log_loss"], max_regression={}, fail_on_stale_lock=False)

    def passed(low: float, high: float) -> bool:
        loss = delta("log_loss", 0.6, 0.45, low, high)  # base: the baseline, pr: the model
        [check] = evaluate_gate(gate, [], [], FRESH, headline="roc_auc", baseline=[loss])
        assert check.rule == "log_loss beats the trivial baseline (significant)"
        return check.passed

    assert passed(-0.2, -0.1) is True  # a lower loss, significantly
    assert passed(-0.2, 0.01) is False  # within noise
    assert passed(0.1, 0.2) is False  # significantly worse
    assert passed(math.nan, math.nan) is False  # undefined is not better


def test_a_missing_baseline_fails_its_rule_naming_the_file() -> None:
    gate = GateParams(fail_on_stale_lock=False)
    checks = evaluate_gate(gate, [delta("roc_auc", 0.8, 0.8, 0, 0)], [], FRESH, headline="roc_auc")
    rule = next(c for c in checks if c.rule == BEATS)
    assert rule.passed is False
    assert "reports/predictions.csv has no baseline_score column" in rule.detail


def test_default_rules_can_be_turned_off_and_floors_opted_in() -> None:
    gate = GateParams(beat_baseline=[], max_regression={}, floors={"roc_auc": 0.9})
    head = delta("roc_auc", 0.80, 0.85, 0.03, 0.07)
    assert outcome(gate, [head]) == {"roc_auc >= 0.9": False, "dvc.lock is up to date": True}
    checks = evaluate_gate(gate, [head], [], FRESH, headline="roc_auc", baseline=[head])
    assert {c.rule: c.passed for c in checks} == {
        "roc_auc >= 0.9": False,
        "dvc.lock is up to date": True,
    }


def outcome_with_headline(gate: GateParams, deltas: list[Delta]) -> dict[str, bool]:
    checks = evaluate_gate(gate, deltas, [], FRESH, headline="roc_auc", baseline=[])
    return {c.rule: c.passed for c in checks}


def test_the_default_regression_rule_has_no_tolerance_but_ignores_noise() -> None:
    gate = GateParams(beat_baseline=[], fail_on_stale_lock=False)
    rule = "roc_auc drop <= 0.0 when significant"

    def passed(low: float, high: float) -> bool:
        head = delta("roc_auc", 0.80, 0.80 + (low + high) / 2, low, high)
        return outcome_with_headline(gate, [head])[rule]

    assert passed(-0.003, -0.001) is False  # small, but significant
    assert passed(-0.02, 0.01) is True  # within noise


def test_gate_params_name_known_reported_metrics_only() -> None:
    with pytest.raises(ValidationError, match="report.gate.beat_baseline names unknown metric"):
        ReportParams.model_validate({"gate": {"beat_baseline": ["auc"]}})
    with pytest.raises(ValidationError, match="report.gate.beat_baseline names 'f1', which"):
        ReportParams.model_validate({"metrics": ["roc_auc"], "gate": {"beat_baseline": ["f1"]}})
