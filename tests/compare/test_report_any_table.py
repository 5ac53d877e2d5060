"""The PR report and gate on a table that is not Adult, with the gate's defaults (no `report`
section in params.yaml): no floor, so a useful model passes on the trivial baseline and the
absence of a significant regression, and a model of noise fails on the baseline alone."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.compare.scenarios import Outcome, run_scenario, set_params, write_loans_repo

pytestmark = pytest.mark.slow

BEATS = "roc_auc beats the trivial baseline (significant)"
NO_DROP = "roc_auc drop <= 0.0 when significant"


@pytest.fixture(scope="module")
def loans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("loans") / "repo"
    root.mkdir()
    return write_loans_repo(root)


def checks(outcome: Outcome) -> dict[str, bool]:
    return {c["rule"]: c["passed"] for c in outcome.summary["checks"]}


def test_a_pr_on_another_table_passes_the_default_gate(loans: Path, tmp_path: Path) -> None:
    change = set_params(**{"train.hist_gradient_boosting.max_iter": 40})
    outcome = run_scenario(loans, tmp_path, change)
    assert outcome.delta("roc_auc")["pr"] < 0.9  # Adult's floor would have failed it
    assert checks(outcome) == {BEATS: True, NO_DROP: True, "dvc.lock is up to date": True}
    assert outcome.gate_exit == 0, outcome.gate_output
    assert outcome.markdown.splitlines()[2].startswith("✅ **Quality gate passed**")
    baseline = outcome.summary["baseline"]
    auc = next(d for d in baseline["deltas"] if d["metric"] == "roc_auc")
    assert auc["base"] == pytest.approx(0.5) and auc["low"] > 0
    assert "### Trivial baseline" in outcome.markdown
    assert f"prevalence of the positive class, {baseline['score']:.4f}" in outcome.markdown


def shuffle_labels(repo: Path) -> None:
    """Every label redrawn at random: whatever the model learns is noise."""
    path = repo / "data/raw/loans.csv"
    header, *rows = path.read_text().splitlines()
    rng = random.Random(5)
    redrawn = [row.rsplit(",", 1)[0] + "," + rng.choice("nnny") for row in rows]
    path.write_text("\n".join([header, *redrawn]) + "\n")


def test_a_model_of_noise_fails_on_the_trivial_baseline(loans: Path, tmp_path: Path) -> None:
    outcome = run_scenario(loans, tmp_path, shuffle_labels)
    assert checks(outcome)[BEATS] is False
    assert not any(">=" in rule for rule in checks(outcome))  # no floor is configured
    assert outcome.gate_exit == 1
    assert "the quality gate failed" in outcome.gate_output
