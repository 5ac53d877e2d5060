"""`tabml release assets` on a trained project with a GTO tag: the files (with what the image is
built from: Dockerfile, the project's wheel of HEAD, pyproject.toml, uv.lock), their checksums
(checked by coreutils' sha256sum and by `make verify-sums`), release.json's provenance,
byte-for-byte rebuilds, and refusals."""

from __future__ import annotations

import hashlib
import json
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tabml.cli import app
from tests.support import ROOT, run

pytestmark = pytest.mark.slow  # the session fixture trains the small project (about 10 s)
runner = CliRunner()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
WHEEL = f"{PROJECT['name']}-{PROJECT['version']}-py3-none-any.whl"
FILES = {
    "Dockerfile",
    "MODEL_CARD.md",
    "SHA256SUMS",
    "contract.yaml",
    "dvc.lock",
    "metrics.json",
    "model.skops",
    "params.yaml",
    "pyproject.toml",
    "release.json",
    "uv.lock",
    WHEEL,
}


def build(out: str = "dist/release", *extra: str) -> Path:
    result = runner.invoke(
        app, ["release", "assets", "--out-dir", out, "--repo", "Acme/Demo", *extra]
    )
    assert result.exit_code == 0, result.output
    return Path(out)


def test_release_files_checksums_and_provenance(trained_repo: Path) -> None:
    run(["gto", "register", "model", "HEAD", "--version", "v1.0.0"], trained_repo)
    head = run(["git", "rev-parse", "HEAD"], trained_repo).stdout.strip()
    release = build()
    assert {p.name for p in release.iterdir()} == FILES
    check = run(["sha256sum", "--check", "--strict", "SHA256SUMS"], release)
    assert check.stdout.count(": OK") == len(FILES) - 1
    for name, source in {
        "model.skops": "models/model.skops",
        "metrics.json": "reports/metrics.json",
        "params.yaml": "params.yaml",
        "contract.yaml": "data/contract.yaml",
        "dvc.lock": "dvc.lock",
        "Dockerfile": "Dockerfile",
        "pyproject.toml": "pyproject.toml",
        "uv.lock": "uv.lock",
    }.items():
        assert (release / name).read_bytes() == (trained_repo / source).read_bytes(), name

    info = json.loads((release / "release.json").read_text())
    tag_date = run(
        ["git", "for-each-ref", "refs/tags/model@v1.0.0", "--format=%(creatordate:unix)"],
        trained_repo,
    ).stdout.strip()
    lock = yaml.safe_load((trained_repo / "dvc.lock").read_text())
    raw = next(d for d in lock["stages"]["prepare"]["deps"] if d["path"] == "data/raw/adult.csv")
    model_sha = hashlib.sha256((release / "model.skops").read_bytes()).hexdigest()
    assert info["version"] == "v1.0.0" and info["tag"] == "model@v1.0.0"
    assert info["git_sha"] == head
    assert (
        info["data_hash"]
        == raw["md5"]
        == hashlib.md5(
            (trained_repo / "data/raw/adult.csv").read_bytes(), usedforsecurity=False
        ).hexdigest()
    )
    assert info["model_sha256"] == model_sha
    assert info["repository"] == "Acme/Demo"
    assert info["wheel"] == WHEEL and sorted(info["files"]) == sorted(FILES - {"SHA256SUMS"})
    from datetime import datetime

    assert int(datetime.fromisoformat(info["created_at"]).timestamp()) == int(tag_date)
    card = (release / "MODEL_CARD.md").read_text()
    assert card.startswith("# Model card: model v1.0.0\n")
    assert f"SHA-256 `{model_sha}`" in card and f"`{raw['md5']}`" in card


def test_rebuilding_gives_the_same_bytes(trained_repo: Path) -> None:
    first = build("dist/a")
    second = build("dist/b")
    assert (first / "SHA256SUMS").read_bytes() == (second / "SHA256SUMS").read_bytes()
    assert json.loads((first / "release.json").read_text())["version"].startswith("dev-")


def test_refuses_a_model_that_dvc_lock_does_not_record(trained_repo: Path) -> None:
    model = trained_repo / "models" / "model.skops"
    model.write_bytes(model.read_bytes() + b"\0")  # models/ is ignored: the tree stays clean
    result = runner.invoke(app, ["release", "assets", "--out-dir", "dist/release"])
    assert result.exit_code == 1
    assert "models/model.skops (md5 " in result.output
    assert "is not the output dvc.lock records" in " ".join(result.output.split())
    assert not (trained_repo / "dist").exists()


def test_refuses_a_tag_that_is_not_at_head(trained_repo: Path) -> None:
    run(["gto", "register", "model", "HEAD", "--version", "v1.0.0"], trained_repo)
    (trained_repo / "README.md").write_text("a later commit\n")
    run(["git", "add", "-A"], trained_repo)
    run(["git", "commit", "-q", "-m", "later"], trained_repo)
    result = runner.invoke(app, ["release", "assets", "--tag", "model@v1.0.0"])
    assert result.exit_code == 1
    assert "tag 'model@v1.0.0' points at" in result.output
    assert not (trained_repo / "dist").exists()


def test_the_wheel_is_the_package_of_head_not_the_work_tree(trained_repo: Path) -> None:
    """An untracked module under src/ (the tree is still clean for git diff) is not released."""
    (trained_repo / "src/tabml/scratch_untracked.py").write_text("SECRET = 1\n")
    release = build()
    with zipfile.ZipFile(release / WHEEL) as wheel:
        names = set(wheel.namelist())
        committed = (trained_repo / "src/tabml/serve/model.py").read_bytes()
        assert wheel.read("tabml/serve/model.py") == committed
    assert "tabml/scratch_untracked.py" not in names
    assert (
        "tabml/cli/__init__.py" in names and f"tabml-{PROJECT['version']}.dist-info/RECORD" in names
    )


def test_make_verify_sums_checks_every_file(trained_repo: Path) -> None:
    release = build()
    make = ["make", "-f", str(ROOT / "Makefile"), "verify-sums", f"RELEASE_DIR={release}"]
    good = run(make, trained_repo, check=False)
    assert good.returncode == 0, good.stderr
    assert f"every file listed in {release}/SHA256SUMS matches" in good.stdout
    (release / "uv.lock").write_text("swapped\n")
    bad = run(make, trained_repo, check=False)
    assert bad.returncode != 0 and "uv.lock: FAILED" in bad.stdout + bad.stderr


def test_refuses_a_project_without_the_image_files(trained_repo: Path) -> None:
    run(["git", "rm", "-q", "Dockerfile"], trained_repo)
    run(["git", "commit", "-q", "-m", "no Dockerfile"], trained_repo)
    result = runner.invoke(app, ["release", "assets", "--out-dir", "dist/release"])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert (
        "Dockerfile: not committed at HEAD, and the release needs it to build the image" in message
    )
    assert not (trained_repo / "dist").exists()
