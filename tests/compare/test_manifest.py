"""The manifest that travels with a report artifact: written from the data file it names, read
back only when the data is that file, unchanged, and about the manifest's commits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tabml.compare.manifest import (
    DATA_FILE,
    MAX_MANIFEST_BYTES,
    check_pr_head,
    describe,
    load_verified,
    write,
)
from tabml.errors import TabmlError
from tests.compare.reportdata import sample

HEAD, BASE = "a" * 40, "b" * 40


def artifact(folder: Path) -> Path:
    """A report data file and the manifest describing it; returns the manifest's path."""
    folder.mkdir()
    data = folder / DATA_FILE
    data.write_text(sample(pr_sha=HEAD, base_sha=BASE).model_dump_json())
    write(folder / "manifest.json", describe(data, 7, HEAD, BASE))
    return folder / "manifest.json"


def test_a_manifest_written_for_a_data_file_reads_back_with_that_data(tmp_path: Path) -> None:
    path = artifact(tmp_path / "artifact")
    manifest, data = load_verified(path, HEAD)
    assert (manifest.pr_number, manifest.head_sha, manifest.base_sha) == (7, HEAD, BASE)
    assert manifest.data_file == DATA_FILE
    assert data == sample(pr_sha=HEAD, base_sha=BASE)


def test_data_changed_after_the_manifest_was_written_is_refused(tmp_path: Path) -> None:
    path = artifact(tmp_path / "artifact")
    data = path.parent / DATA_FILE
    data.write_text(sample(pr_sha=HEAD, base_sha=BASE, pr_rows=999).model_dump_json())
    with pytest.raises(TabmlError, match="SHA-256 does not match the manifest"):
        load_verified(path, HEAD)


def test_data_about_other_commits_is_refused_even_with_a_matching_hash(tmp_path: Path) -> None:
    folder = tmp_path / "artifact"
    folder.mkdir()
    data = folder / DATA_FILE
    data.write_text(sample(pr_sha=HEAD, base_sha="c" * 40).model_dump_json())
    write(folder / "manifest.json", describe(data, 7, HEAD, BASE))
    with pytest.raises(TabmlError, match="about other commits than the manifest"):
        load_verified(folder / "manifest.json", HEAD)


def test_a_manifest_for_another_run_is_refused(tmp_path: Path) -> None:
    path = artifact(tmp_path / "artifact")
    with pytest.raises(TabmlError, match="is not the triggering run's head"):
        load_verified(path, "d" * 40)


def test_a_symlinked_data_file_is_refused(tmp_path: Path) -> None:
    path = artifact(tmp_path / "artifact")
    data = path.parent / DATA_FILE
    outside = tmp_path / "elsewhere.json"
    data.rename(outside)
    data.symlink_to(outside)
    with pytest.raises(TabmlError, match="report data missing from the artifact"):
        load_verified(path, HEAD)


def test_a_bad_or_oversized_manifest_is_one_sentence_naming_the_key(tmp_path: Path) -> None:
    path = artifact(tmp_path / "artifact")
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps(manifest | {"pr_number": "7"}))  # strict: a string is no number
    with pytest.raises(TabmlError, match=r"manifest.json: key 'pr_number': "):
        load_verified(path, HEAD)
    path.write_text(json.dumps(manifest | {"extra": "x" * MAX_MANIFEST_BYTES}))
    with pytest.raises(TabmlError, match=f"larger than {MAX_MANIFEST_BYTES} bytes"):
        load_verified(path, HEAD)
    path.unlink()
    with pytest.raises(TabmlError, match="manifest not found in the report artifact"):
        load_verified(path, HEAD)


@pytest.mark.parametrize(
    "pull",
    [{"head": {"sha": "c" * 40}}, {"head": None}, {}, {"head": {"sha": HEAD[:12]}}],
    ids=["moved-on", "null-head", "no-head", "short-sha"],
)
def test_a_pr_that_no_longer_has_the_runs_head_is_refused(
    tmp_path: Path, pull: dict[str, object]
) -> None:
    manifest, _ = load_verified(artifact(tmp_path / "artifact"), HEAD)
    with pytest.raises(TabmlError, match=r"^PR #7 does not have head a{12}: the manifest does"):
        check_pr_head(manifest, pull, HEAD)


def test_a_pr_that_still_has_the_runs_head_passes(tmp_path: Path) -> None:
    manifest, _ = load_verified(artifact(tmp_path / "artifact"), HEAD)
    check_pr_head(manifest, {"head": {"sha": HEAD}}, HEAD)
