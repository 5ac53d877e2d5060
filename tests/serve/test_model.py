"""Finding, verifying and loading the model: checksums, releases, provenance."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tabml.config import load_params
from tabml.errors import TabmlError
from tabml.serve.app import Settings, build_service
from tabml.serve.model import (
    load_served_model,
    locked_data_hash,
    read_sha256sums,
    working_tree_provenance,
)
from tests.serve.servers import RELEASE_INFO, free_port, make_release, serve_command
from tests.support import run, tool_env

DATA = Path("data/raw/adult.csv")


@pytest.fixture
def release(trained: Path, tmp_path: Path) -> Path:
    """A private release directory, free to tamper with."""
    return make_release(trained, tmp_path / "release")


@pytest.mark.slow  # starts `tabml serve`; the checksum refusal itself is unit-tested below
def test_a_tampered_model_refuses_to_start_the_server(release: Path, trained: Path) -> None:
    """The real command exits non-zero with one sentence, before it ever listens."""
    with (release / "model.skops").open("ab") as stream:
        stream.write(b"\0")
    params = trained / "params.yaml"
    result = subprocess.run(
        serve_command(release, params, free_port()),
        cwd=trained,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {release / 'model.skops'}: SHA-256 ")
    assert "does not match" in lines[0] and "SHA256SUMS" in lines[0]
    assert "Uvicorn running" not in result.stdout + result.stderr


def test_a_release_verifies_every_listed_file(release: Path) -> None:
    (release / "metrics.json").write_text('{"roc_auc": 0.99}')
    with pytest.raises(TabmlError, match=r"metrics\.json: SHA-256 .* does not match"):
        load_served_model(release, None, DATA)


def test_a_release_needs_its_checksums(release: Path) -> None:
    (release / "SHA256SUMS").unlink()
    with pytest.raises(TabmlError, match="release directory has no SHA256SUMS"):
        load_served_model(release, None, DATA)


def test_a_listed_file_that_is_gone_is_refused(release: Path) -> None:
    (release / "MODEL_CARD.md").unlink()
    with pytest.raises(TabmlError, match=r"MODEL_CARD\.md: file listed in .* not found"):
        load_served_model(release, None, DATA)


def test_a_release_reads_its_metadata(release: Path) -> None:
    served = load_served_model(release, None, DATA)
    assert served.source == "release"
    assert served.version == RELEASE_INFO["version"]
    assert served.provenance.git_sha == RELEASE_INFO["git_sha"]
    assert served.sha256 == hashlib.sha256((release / "model.skops").read_bytes()).hexdigest()


def test_a_release_without_release_json_has_null_provenance(release: Path) -> None:
    (release / "release.json").unlink()
    (release / "metrics.json").unlink()
    lines = (release / "SHA256SUMS").read_text().splitlines()
    kept = [line for line in lines if line.endswith(("model.skops", "contract.yaml"))]
    (release / "SHA256SUMS").write_text("\n".join(kept) + "\n")
    served = load_served_model(release, None, DATA)
    assert served.provenance.git_sha is None and served.provenance.data_hash is None
    assert served.provenance.metrics is None
    assert served.version == f"sha256:{served.sha256[:12]}"


def test_a_model_file_is_checked_against_a_given_checksum_file(
    release: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model.skops"
    shutil.copy(release / "model.skops", model)
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(run(["sha256sum", "--binary", "model.skops"], tmp_path).stdout)
    assert "*model.skops" in sums.read_text()  # the binary-mode marker is understood too
    assert load_served_model(model, sums, DATA).source == "working tree"
    sums.write_text(f"{'0' * 64}  model.skops\n")
    with pytest.raises(TabmlError, match="does not match"):
        load_served_model(model, sums, DATA)
    sums.write_text(f"{'0' * 64}  other.skops\n")
    with pytest.raises(TabmlError, match="no checksum for 'model.skops'"):
        load_served_model(model, sums, DATA)


def test_a_malformed_checksum_file_names_the_line(tmp_path: Path) -> None:
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(f"{'a' * 64}  model.skops\nnot a checksum line\n")
    with pytest.raises(TabmlError, match="SHA256SUMS: line 2 is not"):
        read_sha256sums(sums)


def test_a_missing_model_file_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match="model file not found"):
        load_served_model(tmp_path / "nope.skops", None, DATA)


def test_working_tree_provenance_without_git_or_dvc_is_null(tmp_path: Path) -> None:
    provenance = working_tree_provenance(tmp_path, DATA)
    assert provenance == type(provenance)(None, None, None, None)


def test_locked_data_hash_reads_the_raw_data_dependency(tmp_path: Path) -> None:
    lock = tmp_path / "dvc.lock"
    lock.write_text(
        "schema: '2.0'\nstages:\n  prepare:\n    deps:\n"
        "    - path: data/contract.yaml\n      md5: 111\n"
        "    - path: data/raw/adult.csv\n      md5: 0123abcd\n"
    )
    assert locked_data_hash(lock, DATA) == "0123abcd"
    assert locked_data_hash(lock, Path("data/raw/other.csv")) is None
    lock.write_text("stages: [not, a, mapping")
    assert locked_data_hash(lock, DATA) is None


def test_a_model_that_cannot_score_the_contract_columns_is_refused(
    trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Params that drop a column the model needs: refused at startup, not on the first request."""
    monkeypatch.chdir(trained)
    params = load_params(Path("params.yaml"))
    data = params.data.model_copy(update={"drop": [*params.data.drop, "age"]})
    params = params.model_copy(update={"data": data})
    with pytest.raises(
        TabmlError, match=r"the model cannot score the columns of data/contract\.yaml"
    ):
        build_service(Settings(model=Path("models/model.skops"), params=params))


def test_a_release_directory_is_served_with_its_own_params(tmp_path: Path) -> None:
    from tabml.serve.model import served_params_file

    release = tmp_path / "release"
    release.mkdir()
    (release / "params.yaml").write_text("serve: {}\n", encoding="utf-8")
    assert served_params_file(release, None) == release / "params.yaml"
    assert served_params_file(release, tmp_path / "mine.yaml") == tmp_path / "mine.yaml"
    assert served_params_file(tmp_path / "model.skops", None) == Path("params.yaml")
    (release / "params.yaml").unlink()
    assert served_params_file(release, None) == Path("params.yaml")
