"""A real DVC remote: moto's S3 server on loopback (and a plain local folder). The project pushes
its cache and run-cache; a fresh clone gets the model with `make pull` without running a stage;
`make pull PULL_OPTIONAL=1` carries on without credentials; `make release-model` (the release
workflow's step) pulls from a full remote and reproduces when the remote is empty."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.remote.remote_repos import (
    CACHED_STAGES,
    FAKE_KEYS,
    STAGES,
    Bucket,
    add_s3_remote,
    fresh_clone,
    ok,
    sh,
    tabml_calls,
)

pytestmark = pytest.mark.slow
MODEL = Path("models/model.skops")
UP_TO_DATE = "Data and pipelines are up to date."


def closed_port() -> int:
    """A loopback port that was free a moment ago (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_pulled_without_running_a_stage(clone: Path, origin: Path, env: dict[str, str]) -> None:
    """The clone has origin's outputs, byte for byte, and its run-cache, and no stage command
    ran to get them."""
    assert any((clone / ".dvc" / "cache" / "runs").iterdir())  # `make pull` took the run-cache
    for out in (MODEL, Path("models/featurizer.skops"), Path("data/prepared/train.parquet")):
        assert (clone / out).read_bytes() == (origin / out).read_bytes(), out
    assert not {call.split()[0] for call in tabml_calls(env)} & set(STAGES), tabml_calls(env)
    assert UP_TO_DATE in ok(["dvc", "status"], clone, env).stdout


def test_push_then_fresh_clones_pull_the_model_without_reproducing(
    origin: Path, bucket: Bucket, env: dict[str, str], tmp_path: Path
) -> None:
    add_s3_remote(origin, bucket, env)
    ok(["dvc", "push", "--run-cache"], origin, env)
    keys = bucket.keys()
    assert any(key.startswith("dvc/files/md5/") for key in keys), keys
    assert any(key.startswith("dvc/runs/") for key in keys), keys  # the run-cache went too

    clone = fresh_clone(origin, tmp_path / "clone", env)
    assert not (clone / MODEL).exists()
    pulled = sh(["make", "pull"], clone, env)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert_pulled_without_running_a_stage(clone, origin, env)

    # The release workflow's step on a fresh checkout: pull, `dvc repro` (nothing to do), and
    # the metrics check; no stage runs.
    release = fresh_clone(origin, tmp_path / "release", env)
    done = sh(["make", "release-model"], release, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tabml_calls(env) == ["release check-metrics"]
    assert_pulled_without_running_a_stage(release, origin, env)


def test_release_model_reproduces_when_the_remote_is_empty(
    origin: Path, bucket: Bucket, env: dict[str, str], tmp_path: Path
) -> None:
    add_s3_remote(origin, bucket, env)  # nothing pushed
    clone = fresh_clone(origin, tmp_path / "clone", env)
    done = sh(["make", "release-model"], clone, env)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = tabml_calls(env)
    assert set(CACHED_STAGES) <= set(calls) and calls[-1] == "release check-metrics", calls
    assert (clone / MODEL).is_file()
    assert UP_TO_DATE in ok(["dvc", "status"], clone, env).stdout
    assert bucket.keys() == []  # a release build reads the remote, never writes it


NO_CREDENTIALS = "Unable to locate credentials"
UNREACHABLE = "Could not connect to the endpoint URL"


@pytest.mark.parametrize("says", [NO_CREDENTIALS, UNREACHABLE], ids=["no-keys", "unreachable"])
def test_a_failing_pull_fails_unless_optional(
    origin: Path, bucket: Bucket, env: dict[str, str], tmp_path: Path, says: str
) -> None:
    add_s3_remote(origin, bucket, env)
    clone = fresh_clone(origin, tmp_path / "clone", env)
    if says == NO_CREDENTIALS:
        env = {k: v for k, v in env.items() if k not in FAKE_KEYS}
    else:  # a loopback port nothing listens on, set in the clone's own (untracked) config
        closed = f"http://127.0.0.1:{closed_port()}"
        ok(["dvc", "remote", "modify", "--local", "storage", "endpointurl", closed], clone, env)
        env = {**env, "AWS_MAX_ATTEMPTS": "1"}  # botocore's retries would only add waiting

    strict = sh(["make", "pull"], clone, env)
    assert strict.returncode != 0, strict.stdout
    assert says in strict.stderr, strict.stderr
    optional = sh(["make", "pull", "PULL_OPTIONAL=1"], clone, env)
    assert optional.returncode == 0, optional.stdout + optional.stderr
    assert "pull: dvc pull failed (no credentials?); continuing without the remote" in (
        optional.stdout
    )
    assert not (clone / MODEL).exists()


def test_a_local_directory_remote(origin: Path, env: dict[str, str], tmp_path: Path) -> None:
    store = tmp_path / "store"
    ok(["dvc", "remote", "add", "-d", "local", str(store)], origin, env)
    ok(["git", "commit", "-q", "-m", "local remote", "--", ".dvc/config"], origin, env)
    ok(["dvc", "push", "--run-cache"], origin, env)
    assert (store / "files" / "md5").is_dir() and (store / "runs").is_dir()

    clone = fresh_clone(origin, tmp_path / "clone", env)
    pulled = sh(["make", "pull"], clone, env)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert_pulled_without_running_a_stage(clone, origin, env)
