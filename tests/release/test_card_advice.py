"""The model card's advice, from numbers made up here: the hand-written limitations first, then
the headline's spread over slices big enough to judge, the slices too small, the group columns
and the fixed threshold; and how to verify, load and serve the release."""

from __future__ import annotations

from pathlib import Path

import pytest

from tabml.config import Params, load_params
from tabml.contract import Contract
from tabml.release.card_advice import how_to_load, limitations
from tabml.release.card_inputs import CardInputs, CardNotes, ReleaseInfo, TrainingData
from tests.support import write_small_project

SLICES = {
    "region": {
        "north": {"n": 400, "roc_auc": 0.91},
        "south": {"n": 350, "roc_auc": 0.84},
        "islands": {"n": 12, "roc_auc": 0.5},
    }
}


@pytest.fixture
def params(tmp_path: Path) -> Params:
    loaded = load_params(write_small_project(tmp_path))
    data = loaded.data.model_copy(update={"groups": ["region"]})
    return loaded.model_copy(update={"data": data})


def inputs(params: Params, repository: str | None = "Acme/Churn") -> CardInputs:
    return CardInputs(
        info=ReleaseInfo("model", "v2.0.0", "model@v2.0.0", "c" * 40, "2026-01-01", repository),
        params=params,
        contract=Contract(columns={}),
        metrics={"roc_auc": 0.88},
        slices=SLICES,
        intervals=[],
        data=TrainingData("data/raw/t.csv", None, None),
        model_sha256="d" * 64,
        notes=CardNotes(limitations=["Not for credit decisions."]),
    )


def test_limitations_start_with_the_notes_then_say_what_the_numbers_show(params: Params) -> None:
    items = limitations(inputs(params))
    min_rows = params.report.gate.min_slice_rows
    assert items[0] == "- Not for credit decisions."
    assert items[1] == (
        "- roc_auc varies across slices, from 0.8400 (region=south) to 0.9100 (region=north) "
        f"among slices of at least {min_rows} rows; check the slice that matters to your use."
    )
    assert items[2] == "- Too few test rows to judge: region=islands (12 rows)."
    assert "(`region`) are not model inputs" in items[3]
    assert f"one fixed threshold ({params.evaluate.threshold})" in items[4]
    assert all(item.startswith("- ") for item in items)


def test_how_to_load_names_the_repository_and_the_versioned_image(params: Params) -> None:
    text = "\n".join(how_to_load(inputs(params)))
    assert "gh attestation verify model.skops --repo Acme/Churn" in text
    assert "ghcr.io/acme/churn:v2.0.0" in text  # image names are lower case
    assert 'sio.load("model.skops", trusted=untrusted)' in text and "pickle.load" not in text
    unnamed = "\n".join(how_to_load(inputs(params, repository=None)))
    assert "--repo OWNER/REPO" in unnamed and "ghcr.io/owner/repo:v2.0.0" in unnamed
