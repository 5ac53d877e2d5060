"""The model card, built from the repository's committed reports: content and a structural check
(headings, numbers equal to metrics.json and slices.json, intervals around their point values)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from tabml import metrics as registry
from tabml.compare.predictions import TEXT_COLUMNS
from tabml.config import load_params
from tabml.contract import load_contract
from tabml.errors import TabmlError
from tabml.release import assets, card
from tests.support import ROOT

INFO = card.ReleaseInfo(
    artifact="model",
    version="v1.4.0",
    tag="model@v1.4.0",
    git_sha="c" * 40,
    created_at="2026-01-02T03:04:05+00:00",
    repository="Acme/Census-Demo",
)
HEADINGS = [
    "# Model card: model v1.4.0",
    "## Summary",
    "## Intended use",
    "## Training data",
    "## Features and schema",
    "## Model and training",
    "## Metrics",
    "## Per-slice metrics",
    "## Limitations",
    "## How to load it",
]


@pytest.fixture(scope="module")
def inputs() -> card.CardInputs:
    params = load_params(ROOT / "params.yaml")
    boot = params.report.bootstrap.model_copy(update={"samples": 300})
    report = params.report.model_copy(update={"bootstrap": boot})
    params = params.model_copy(update={"report": report})
    lock = assets.read_lock(ROOT)
    return card.CardInputs(
        info=INFO,
        params=params,
        contract=load_contract(ROOT / params.data.contract),
        metrics=json.loads((ROOT / "reports/metrics.json").read_text()),
        slices=json.loads((ROOT / "reports/slices.json").read_text()),
        intervals=card.metric_intervals(
            pd.read_csv(ROOT / "reports/predictions.csv", dtype=TEXT_COLUMNS),
            report,
            params.data.task,
        ),
        data=card.TrainingData(
            path=str(params.data.path),
            md5=assets.locked_md5(lock, params.data.path, "deps"),
            provenance=assets.provenance(params.data.path, ROOT),
        ),
        model_sha256="d" * 64,
        notes=card.load_notes(ROOT / "docs/model-card.yaml"),
    )


@pytest.fixture(scope="module")
def text(inputs: card.CardInputs) -> str:
    return card.render_card(inputs)


def section(text: str, heading: str) -> str:
    """The body of one `## heading` section."""
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    end = text.find("\n## ", start)
    return text[start : end if end != -1 else len(text)]


def table_rows(body: str) -> list[list[str]]:
    """Cells of each markdown table row below the header separator."""
    rows = [line for line in body.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[2:]]


def headings(text: str) -> list[str]:
    """Markdown headings outside fenced code blocks."""
    found, fenced = [], False
    for line in text.splitlines():
        fenced = fenced != line.startswith("```")
        if not fenced and re.match(r"#{1,6} ", line):
            found.append(line)
    return found


def test_headings_are_all_there_in_order(text: str, inputs: card.CardInputs) -> None:
    found = headings(text)
    assert [h for h in found if not h.startswith("###")] == HEADINGS
    assert [h for h in found if h.startswith("### ")] == [f"### {g}" for g in inputs.slices]


def test_metrics_match_metrics_json_and_intervals_hold_the_point(
    text: str, inputs: card.CardInputs
) -> None:
    first = section(text, "## Metrics").split("\nRecall of each class:")[0]  # multiclass adds it
    rows = {row[0]: row for row in table_rows(first)}
    assert list(rows) == inputs.params.report.metrics
    # A 95% interval is about 4 standard errors wide: 5 / sqrt(n) of the metric's scale (1 for
    # a share, the value itself for an error such as rmse) is implausibly wide on any table.
    widest = 5 / math.sqrt(inputs.metrics["n_test"])
    for metric, (_, value, low, high, direction) in rows.items():
        assert value == f"{inputs.metrics[metric]:.4f}"
        assert float(low) <= float(value) <= float(high), metric
        scale = max(1.0, abs(float(value)))
        assert float(high) - float(low) < widest * scale, f"{metric}: implausibly wide"
        better = registry.get(metric).direction
        headline = metric == inputs.params.report.headline
        assert direction == f"{better} is better" + ("; headline" if headline else "")
    assert f"On {inputs.metrics['n_test']} held-out test rows" in section(text, "## Metrics")


def test_interval_points_are_the_committed_metrics(inputs: card.CardInputs) -> None:
    """The bootstrap's point values, computed from predictions.csv, agree with metrics.json."""
    for interval in inputs.intervals:
        assert interval.value == pytest.approx(inputs.metrics[interval.metric], abs=1e-4)
        assert interval.low <= inputs.metrics[interval.metric] <= interval.high


def test_slices_match_slices_json(text: str, inputs: card.CardInputs) -> None:
    body = section(text, "## Per-slice metrics")
    for group, values in inputs.slices.items():
        part = body[body.index(f"### {group}\n") :].split("\n### ")[0]
        rows = table_rows(part)
        assert len(rows) == len(values)
        for row, (value, stats) in zip(rows, values.items(), strict=True):
            assert row[0].startswith(f"`{value}`")
            assert ("(few rows)" in row[0]) == (stats["n"] < 100)
            assert row[1] == str(stats["n"])
            assert row[3] == f"{stats['roc_auc']:.4f}"


def test_schema_lists_every_contract_column_with_its_role(
    text: str, inputs: card.CardInputs
) -> None:
    rows = {row[0].strip("`"): row for row in table_rows(section(text, "## Features and schema"))}
    assert list(rows) == list(inputs.contract.columns)
    data = inputs.params.data
    assert rows[data.target][1] == "target"
    assert all(rows[g][1].startswith("group") for g in data.groups)
    assert all(rows[d][1].startswith("dropped") for d in data.drop)
    features = set(rows) - {data.target, *data.groups, *data.drop}
    assert {rows[f][1] for f in features} == {"feature"}
    bounded = [c for c, spec in inputs.contract.columns.items() if None not in (spec.min, spec.max)]
    for column in bounded:
        spec = inputs.contract.columns[column]
        assert rows[column][4] == f"{spec.min} to {spec.max}"


def test_training_data_names_the_table_and_its_locked_hash(
    text: str, inputs: card.CardInputs
) -> None:
    body = section(text, "## Training data")
    assert inputs.data.md5 is not None and re.fullmatch(r"[0-9a-f]{32}", inputs.data.md5)
    assert f"| MD5 (dvc.lock) | `{inputs.data.md5}` |" in body
    licence = (inputs.data.provenance or {}).get("license")  # the bundled table has one
    assert ("| licence |" in body) == (licence is not None)
    assert licence is None or f"| licence | {licence} |" in body


def test_hand_written_notes_and_generated_limitations(text: str, inputs: card.CardInputs) -> None:
    assert inputs.notes.intended_use.split(".")[0] in section(text, "## Intended use")
    limitations = section(text, "## Limitations")
    for note in inputs.notes.limitations:
        assert note.split(";")[0] in limitations
    headline, least = inputs.params.report.headline, inputs.params.report.gate.min_slice_rows
    judged = [s for values in inputs.slices.values() for s in values.values() if s["n"] >= least]
    varies = any(isinstance(s.get(headline), int | float) for s in judged)
    assert (f"{headline} varies across slices" in limitations) == varies
    small = [
        f"{group}={value}"
        for group, values in inputs.slices.items()
        for value, stats in values.items()
        if stats["n"] < least
    ]
    assert ("Too few test rows to judge" in limitations) == bool(small)
    assert all(name in limitations for name in small)


def test_how_to_load_uses_skops_with_trusted_types_and_the_image(text: str) -> None:
    body = section(text, "## How to load it")
    assert 'sio.load("model.skops", trusted=untrusted)' in body
    assert "sha256sum --check SHA256SUMS" in body
    assert "docker run --rm -p 8000:8000 ghcr.io/acme/census-demo:v1.4.0" in body
    assert "docker build --tag model:local path/to/this/release/" in body
    assert "tabml serve --model" in body


def test_notes_file_errors_name_the_key(tmp_path: Path) -> None:
    assert card.load_notes(tmp_path / "absent.yaml") == card.CardNotes()
    notes = tmp_path / "model-card.yaml"
    notes.write_text("intended_use: ok\nlimitation: [typo]\n")
    with pytest.raises(TabmlError, match=r"model-card.yaml: key 'limitation'"):
        card.load_notes(notes)
