"""The vectorised bootstrap: exact metrics at unit weights, honest intervals, seeded."""

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from tabml.compare.bootstrap import Sample, bootstrap_deltas, bootstrap_intervals, weighted_metrics

NAMES = ["roc_auc", "accuracy", "precision", "recall", "f1", "log_loss", "brier"]


def sample(rows: int = 2000, noise: float = 0.0, seed: int = 0) -> Sample:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, rows)
    scores = np.clip(labels * 0.35 + rng.random(rows) * 0.65 + rng.normal(0, noise, rows), 0, 1)
    scores = np.round(scores, 3)  # ties, as in real rounded scores
    return Sample(labels, scores, (scores >= 0.5).astype(int))


def test_unit_weights_match_scikit_learn() -> None:
    s = sample()
    got = {k: v[0] for k, v in weighted_metrics(np.ones((1, len(s.labels))), s, NAMES).items()}
    p = s.predicted
    assert got["roc_auc"] == pytest.approx(roc_auc_score(s.labels, s.scores))
    assert got["accuracy"] == pytest.approx(accuracy_score(s.labels, p))
    assert got["precision"] == pytest.approx(precision_score(s.labels, p))
    assert got["recall"] == pytest.approx(recall_score(s.labels, p))
    assert got["f1"] == pytest.approx(f1_score(s.labels, p))
    assert got["log_loss"] == pytest.approx(log_loss(s.labels, np.clip(s.scores, 1e-15, 1 - 1e-15)))
    assert got["brier"] == pytest.approx(brier_score_loss(s.labels, s.scores))


def test_integer_weights_equal_repeated_rows() -> None:
    s = sample(300)
    weights = np.random.default_rng(1).integers(0, 3, (1, 300)).astype(float)
    repeated = np.repeat(np.arange(300), weights[0].astype(int))
    expanded = Sample(s.labels[repeated], s.scores[repeated], s.predicted[repeated])
    by_weight = weighted_metrics(weights, s, NAMES)
    by_rows = weighted_metrics(np.ones((1, len(repeated))), expanded, NAMES)
    for name in NAMES:
        assert by_weight[name][0] == pytest.approx(by_rows[name][0])


def test_identical_revisions_have_a_zero_interval() -> None:
    s = sample()
    for delta in bootstrap_deltas(s, s, NAMES, paired=True, resamples=200):
        assert (delta.delta, delta.low, delta.high) == (0, 0, 0)
        assert not delta.significant


def test_a_clearly_worse_model_is_a_significant_regression() -> None:
    base = sample()
    worse = sample(noise=0.4)
    assert np.array_equal(worse.labels, base.labels)
    delta = bootstrap_deltas(base, worse, ["roc_auc"], paired=True, resamples=300)[0]
    assert delta.delta < 0 and delta.high < 0
    assert delta.significant and delta.regression > 0 and not delta.improved


def test_lower_is_better_metrics_count_increases_as_regressions() -> None:
    base = sample()
    noisier = sample(noise=0.2)
    delta = bootstrap_deltas(base, noisier, ["log_loss"], paired=True, resamples=300)[0]
    assert delta.delta > 0 and delta.regression == delta.delta


def test_paired_intervals_are_narrower_than_unpaired() -> None:
    base, pr = sample(), sample(noise=0.02)
    paired = bootstrap_deltas(base, pr, ["roc_auc"], paired=True, resamples=400)[0]
    unpaired = bootstrap_deltas(base, pr, ["roc_auc"], paired=False, resamples=400)[0]
    assert paired.high - paired.low < (unpaired.high - unpaired.low) / 2


def test_seeded_and_interval_contains_the_point() -> None:
    base, pr = sample(), sample(noise=0.05)
    first = bootstrap_deltas(base, pr, NAMES, paired=True, resamples=300, seed=3)
    assert first == bootstrap_deltas(base, pr, NAMES, paired=True, resamples=300, seed=3)
    assert first != bootstrap_deltas(base, pr, NAMES, paired=True, resamples=300, seed=4)
    for interval in bootstrap_intervals(pr, NAMES, resamples=300):
        assert interval.low <= interval.value <= interval.high


def test_paired_needs_the_same_rows() -> None:
    with pytest.raises(ValueError, match="same rows"):
        bootstrap_deltas(sample(100), sample(90), ["roc_auc"], paired=True)


def test_progress_counts_resamples_on_stderr_and_stays_quiet_when_quick(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tabml import progress

    monkeypatch.setenv("TABML_PROGRESS", "plain")
    base, pr = sample(300), sample(300, noise=0.2, seed=1)
    quiet = bootstrap_deltas(base, pr, ["roc_auc"], paired=True, resamples=600)
    assert capsys.readouterr().err == ""  # quicker than progress.QUIET
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.setattr(progress, "QUIET", 0.0)
    monkeypatch.setattr(progress, "HEARTBEAT", 0.0)  # only the work's own updates
    assert bootstrap_deltas(base, pr, ["roc_auc"], paired=True, resamples=600) == quiet
    bootstrap_intervals(pr, ["roc_auc"], resamples=300)
    lines = capsys.readouterr().err.splitlines()
    counts = [line.split(",")[0] for line in lines]
    assert counts == [
        *("bootstrap: 250/600 resamples", "bootstrap: 500/600 resamples"),
        *("bootstrap: 600/600 resamples", "bootstrap: 600/600 resamples"),
        *("bootstrap: 250/300 resamples", "bootstrap: 300/300 resamples"),
        "bootstrap: 300/300 resamples",
    ]
    assert "done in" in lines[3] and "done in" in lines[-1]


def test_up_to_max_rows_the_bootstrap_is_the_plain_one() -> None:
    base, pr = sample(3000, seed=1), sample(3000, noise=0.1, seed=1)
    plain = bootstrap_deltas(base, pr, NAMES, paired=True, resamples=200, seed=4)
    capped = bootstrap_deltas(base, pr, NAMES, paired=True, resamples=200, seed=4, max_rows=3000)
    assert capped == plain


@pytest.mark.parametrize("paired", [True, False])
def test_past_max_rows_the_interval_keeps_the_full_width_around_the_full_delta(
    paired: bool,
) -> None:
    """A seeded subsample's resamples, rescaled by sqrt(m / n), give about the interval of a
    bootstrap over all rows, centred on the point delta of all rows."""
    base, pr = sample(40_000, seed=2), sample(40_000, noise=0.15, seed=2)
    full = bootstrap_deltas(base, pr, NAMES, paired=paired, resamples=400, seed=0)
    bounded = bootstrap_deltas(base, pr, NAMES, paired=paired, resamples=400, seed=0, max_rows=5000)
    again = bootstrap_deltas(base, pr, NAMES, paired=paired, resamples=400, seed=0, max_rows=5000)
    assert bounded == again  # seeded
    for whole, part in zip(full, bounded, strict=True):
        assert (part.base, part.pr, part.delta) == (whole.base, whole.pr, whole.delta)
        width, bounded_width = whole.high - whole.low, part.high - part.low
        assert bounded_width == pytest.approx(width, rel=0.3), whole.metric
        assert part.low < part.delta < part.high
    plain_small = bootstrap_deltas(
        base.take(np.arange(5000)), pr.take(np.arange(5000)), NAMES, paired=paired, resamples=400
    )
    auc_small = next(d for d in plain_small if d.metric == "roc_auc")
    auc_bounded = next(d for d in bounded if d.metric == "roc_auc")
    assert auc_bounded.high - auc_bounded.low < 0.6 * (auc_small.high - auc_small.low)


def test_a_bounded_interval_of_one_revision_is_centred_on_all_rows() -> None:
    whole = sample(30_000, seed=5)
    full = bootstrap_intervals(whole, NAMES, resamples=300, seed=1)
    bounded = bootstrap_intervals(whole, NAMES, resamples=300, seed=1, max_rows=4000)
    for a, b in zip(full, bounded, strict=True):
        assert b.value == a.value
        assert b.high - b.low == pytest.approx(a.high - a.low, rel=0.3), a.metric
