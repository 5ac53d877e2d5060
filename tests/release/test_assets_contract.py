"""A release carries the data contract it serves with, whatever its path in the project.

The project here is not the bundled one: a churn table whose contract lives at a non-default
path (`data/churn.contract.yaml`) with other columns. Its release is served from the release
directory alone: the image is built on the host from a copy of the release as the whole build
context (the Dockerfile's own steps) and its command serves from a directory that holds the
environment and `release/` only, and `make serve MODEL=<release>` runs in one whose params.yaml
is a decoy.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from tabml.cli import app
from tabml.errors import TabmlError
from tabml.serve.model import load_served_model
from tests.release.dockerfile import context_sources, host_build, image_command, release_check
from tests.release.release_repos import STAGES, commit, copy_image_inputs
from tests.serve.servers import free_port
from tests.support import FIXTURES, ROOT, run, tool_env

TABLE, CONTRACT = "data/tables/churn.csv", "data/churn.contract.yaml"
FEATURES = ["tenure", "monthly_charges", "plan"]
RECORD = {"tenure": 3, "monthly_charges": 80.5, "plan": "basic"}
VERSION = "v0.3.0"
runner = CliRunner()


def write_churn_project(root: Path, port: int) -> None:
    """240 customers, their contract at a non-default path, and fast params."""
    rng, rows = random.Random(3), ["customer_id,tenure,monthly_charges,plan,region,churned"]
    for i in range(1, 241):
        tenure, plan = rng.randint(0, 72), rng.choice(["basic", "plus", "pro"])
        churn = rng.random() < 0.15 + 0.4 * (plan == "basic") + 0.25 * (tenure < 12)
        region = rng.choice(["north", "south"])
        label = ("no", "yes")[churn]
        rows.append(f"{i},{tenure},{rng.uniform(10, 120):.2f},{plan},{region},{label}")
    (root / TABLE).parent.mkdir(parents=True)
    (root / TABLE).write_text("\n".join(rows) + "\n")
    category = {"type": "category"}
    columns = {
        "customer_id": {"type": "integer", "min": 1},
        "tenure": {"type": "integer", "min": 0, "max": 100},
        "monthly_charges": {"type": "number", "min": 0},
        "plan": {**category, "categories": ["basic", "plus", "pro"]},
        "region": {**category, "categories": ["north", "south"]},
        "churned": {**category, "categories": ["no", "yes"]},
    }
    (root / CONTRACT).write_text(yaml.safe_dump({"columns": columns}, sort_keys=False))
    params = yaml.safe_load((FIXTURES / "adult_sample.params.yaml").read_text())  # binary, own
    params["data"] = {
        **{"path": TABLE, "contract": CONTRACT, "target": "churned", "positive_label": "yes"},
        **{"na_values": [], "id_column": "customer_id", "drop": [], "groups": ["region"]},
    }
    params["train"]["hist_gradient_boosting"]["max_iter"] = 20
    params["evaluate"].update(importance_repeats=1, importance_max_rows=100)
    params["serve"].update(port=port)
    params["retrain"].update(base=None, table="data/train/churn.csv")
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="module")
def churn_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The churn project trained by the pipeline's stages, dvc.lock recorded, tagged VERSION."""
    repo = tmp_path_factory.mktemp("churn") / "repo"
    repo.mkdir()
    write_churn_project(repo, free_port())
    for name in ("dvc.yaml", ".gto", ".gitignore"):
        shutil.copy(ROOT / name, repo / name)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    for dep in {d for stage in stages for d in stage["deps"] if d.startswith("src/")}:
        (repo / dep).parent.mkdir(parents=True, exist_ok=True)  # code deps DVC hashes
        shutil.copy(ROOT / dep, repo / dep)
    copy_image_inputs(repo)
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["dvc", "init", "-q"], repo)
    with contextlib.chdir(repo):
        for stage in STAGES:
            result = runner.invoke(app, [stage])
            assert result.exit_code == 0, result.output
    run(["dvc", "commit", "--force", "-q"], repo)
    commit(repo, "trained on the churn table")
    run(["gto", "register", "model", "HEAD", "--version", VERSION], repo)
    return repo


@pytest.fixture(scope="module")
def churn_release(churn_repo: Path) -> Path:
    """`tabml release assets` of the churn project, in its dist/release."""
    with contextlib.chdir(churn_repo):
        result = runner.invoke(app, ["release", "assets", "--out-dir", "dist/release"])
    assert result.exit_code == 0, result.output
    return churn_repo / "dist/release"


@contextlib.contextmanager
def serving(
    argv: list[str], cwd: Path, port: int, env: dict[str, str] | None = None
) -> Iterator[httpx.Client]:
    """Run a server command in `cwd` (its own process group, so `make` and the server it starts
    stop together); a client once /health answers."""
    log = cwd.parent / f"server-{port}.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            argv, cwd=cwd, env=env or tool_env(), stdout=out, stderr=out, start_new_session=True
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                assert server.poll() is None, log.read_text()
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/health").status_code == 200:
                        break
                time.sleep(0.2)
            else:
                raise AssertionError(f"no /health within 90 s:\n{log.read_text()}")
            yield client
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def scores_one_record(client: httpx.Client) -> dict[str, Any]:
    """/metadata names the churn features; one record is scored, an Adult column refused."""
    meta: dict[str, Any] = client.get("/metadata").json()
    assert (meta["features"], meta["optional"]) == (FEATURES, ["region"])
    assert (meta["model_version"], meta["positive_label"]) == (VERSION, "yes")
    answer = client.post("/predict", json={"records": [RECORD]})
    assert answer.status_code == 200, answer.text
    [prediction] = answer.json()["predictions"]
    assert 0 <= prediction["score"] <= 1 and prediction["label"] in {"yes", "no"}
    refused = client.post("/predict", json={"records": [{**RECORD, "age": 39}]})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "records[0].age"
    return meta


def test_the_release_carries_the_contract_from_its_non_default_path(
    churn_repo: Path, churn_release: Path
) -> None:
    contract = churn_release / "contract.yaml"
    assert contract.read_bytes() == (churn_repo / CONTRACT).read_bytes()
    listed = run(["sha256sum", "--check", "--strict", "SHA256SUMS"], churn_release).stdout
    assert "contract.yaml: OK" in listed
    info = json.loads((churn_release / "release.json").read_text())
    assert info["contract_path"] == CONTRACT
    assert "contract.yaml" in info["files"]


def test_the_release_directory_is_the_image_build_context(
    churn_repo: Path, churn_release: Path
) -> None:
    """Every COPY source of the release's own Dockerfile is a file of the release, listed in
    SHA256SUMS with the wheel and the project's lock."""
    assert (churn_release / "Dockerfile").read_bytes() == (ROOT / "Dockerfile").read_bytes()
    listed = {
        line.split("  ", 1)[1] for line in (churn_release / "SHA256SUMS").read_text().splitlines()
    }
    for source in context_sources(churn_release / "Dockerfile"):
        assert (churn_release / source).exists(), source
        assert source == "." or source in listed, source
    for name in ("pyproject.toml", "uv.lock"):
        assert (churn_release / name).read_bytes() == (churn_repo / name).read_bytes()
    [wheel] = [name for name in listed if name.endswith(".whl")]
    assert json.loads((churn_release / "release.json").read_text())["wheel"] == wheel


@pytest.mark.slow  # installs the locked runtime environment and starts a real server
def test_the_image_is_built_from_the_release_directory_alone_and_serves_it(
    churn_release: Path, tmp_path: Path
) -> None:
    """`docker build <release dir>` on the host: the build stage's steps run with a copy of the
    release as the whole context (no checkout, no data/, no params beside it); /app then holds
    what the runtime stage copies, and the image's command serves the churn table from there."""
    context = tmp_path / "context"
    shutil.copytree(churn_release, context)
    app_dir, env = host_build(context, tmp_path / "image")
    assert sorted(p.name for p in app_dir.iterdir()) == [".venv", "release"]
    assert (app_dir / ".venv/bin/tabml").is_file(), "the wheel installed the command"
    site = next(app_dir.glob(".venv/lib/python3*/site-packages"))
    assert (site / "tabml/serve/app.py").is_file()
    assert not [p for p in site.glob("*.pth") if "src" in p.read_text()], "not an editable install"
    port = free_port()
    release = json.loads((app_dir / "release/release.json").read_text())
    with serving(image_command(port), app_dir, port, env) as client:
        meta = scores_one_record(client)
        assert meta["source"] == "release" and meta["git_sha"] == release["git_sha"]
        assert meta["model_sha256"] == release["model_sha256"]
    assert sorted(p.name for p in app_dir.iterdir()) == [".venv", "logs", "release"]
    [line] = (app_dir / "logs/requests.jsonl").read_text().splitlines()
    assert json.loads(line)["inputs"] == RECORD


@pytest.mark.slow  # starts a real server through make
def test_make_serve_reads_params_and_contract_from_the_release(
    churn_release: Path, tmp_path: Path
) -> None:
    """The working directory holds a decoy params.yaml (another port, a contract that is not
    there): `make serve MODEL=<release dir>` must not read it."""
    release = tmp_path / "release"
    shutil.copytree(churn_release, release)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    data = {"path": "data/raw/x.csv", "contract": "data/contract.yaml", "target": "y"}
    decoy = {"data": {**data, "positive_label": 1}, "serve": {"port": free_port()}}
    (cwd / "params.yaml").write_text(yaml.safe_dump(decoy))
    port = yaml.safe_load((release / "params.yaml").read_text())["serve"]["port"]
    make = ["make", "-f", str(ROOT / "Makefile"), "-o", ".venv/.synced", "serve"]
    with serving([*make, f"MODEL={release}"], cwd, port) as client:
        scores_one_record(client)


def test_a_release_without_its_contract_is_refused(churn_release: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    shutil.copytree(churn_release, release)
    sums = release / "SHA256SUMS"
    lines = sums.read_text().splitlines(keepends=True)
    sums.write_text("".join(line for line in lines if not line.endswith("  contract.yaml\n")))
    (release / "contract.yaml").unlink()
    with pytest.raises(TabmlError, match=r"no checksum for 'contract\.yaml'.* no data contract"):
        load_served_model(release, None, Path(TABLE))
    build = run(["sh", "-c", release_check()], release, check=False)
    assert build.returncode != 0 and "lists no contract.yaml" in build.stderr


def test_a_changed_contract_in_a_release_is_refused(churn_release: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    shutil.copytree(churn_release, release)
    with (release / "contract.yaml").open("a") as stream:
        stream.write("# edited after the release was built\n")
    with pytest.raises(TabmlError, match=r"contract\.yaml: SHA-256 .* does not match"):
        load_served_model(release, None, Path(TABLE))


def test_assets_refuse_a_contract_that_is_not_the_one_dvc_lock_records(
    churn_repo: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(churn_repo, repo, symlinks=True)
    with (repo / CONTRACT).open("a") as stream:
        stream.write("# committed without dvc repro\n")
    commit(repo, "contract edited")
    with contextlib.chdir(repo):
        result = runner.invoke(app, ["release", "assets", "--out-dir", "dist/other"])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert f"{CONTRACT} (md5 " in message and "is not the contract dvc.lock records" in message
    assert not (repo / "dist/other").exists()
