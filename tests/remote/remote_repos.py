"""Helpers for the DVC remote tests: an isolated environment per command, a bucket of the
loopback S3 server, fresh clones, and the log of the `tabml` commands that ran.

Every command runs with its own home, DVC directories and AWS settings, so nothing from the
machine (a ~/.aws, a DVC global config) leaks in and nothing reaches past loopback. A `tabml`
shim first on PATH logs each call: a pipeline stage that ran shows up in that log.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support import BIN, ROOT, tool_env

REGION = "us-east-1"
FAKE_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
PIPELINE = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
# The tabml command of each pipeline stage, in order (`tabml prepare`, ...).
STAGES = tuple(stage["cmd"].split()[1] for stage in PIPELINE.values())
# The stages with an output in DVC's cache (not in git): a fresh clone lacks their outputs, so
# they run unless a remote restores them. The others are skipped when their deps come back equal.
CACHED_STAGES = tuple(
    stage["cmd"].split()[1]
    for stage in PIPELINE.values()
    if any(
        not isinstance(out, dict) or next(iter(out.values())).get("cache", True)
        for out in stage.get("outs", [])
    )
)
# The pipeline's files besides the data and params (write_small_project): its code dependencies
# and what `make pull` / `make release-model` need.
PROJECT_FILES = (
    "dvc.yaml",
    ".gitignore",
    "Makefile",
    "pyproject.toml",
    "uv.lock",
    *sorted({dep for s in PIPELINE.values() for dep in s["deps"] if dep.startswith("src/")}),
)
SHIM = """#!/bin/sh
printf '%s\\n' "$*" >> "$TABML_CALLS"
exec "{tabml}" "$@"
"""


def isolated_env(root: Path, **extra: str) -> dict[str, str]:
    """tool_env with a private home, DVC config/cache dirs, AWS settings and the tabml shim."""
    shim_dir = root / "shim"
    if not shim_dir.is_dir():
        shim_dir.mkdir(parents=True)
        shim = shim_dir / "tabml"
        shim.write_text(SHIM.format(tabml=BIN / "tabml"), encoding="utf-8")
        shim.chmod(0o755)
    env = {k: v for k, v in tool_env().items() if not k.startswith("AWS_")}
    home = root / "home"
    env.update(
        PATH=f"{shim_dir}{os.pathsep}{env['PATH']}",
        TABML_CALLS=str(root / "tabml-calls.log"),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        DVC_GLOBAL_CONFIG_DIR=str(home / "dvc-global"),
        DVC_SYSTEM_CONFIG_DIR=str(home / "dvc-system"),
        DVC_SITE_CACHE_DIR=str(home / "dvc-site-cache"),
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",  # no instance-metadata lookup off loopback
        AWS_DEFAULT_REGION=REGION,
    )
    env.update(extra)
    return env


def sh(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command; the result, whatever its exit code."""
    return subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=True, check=False)


def ok(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command that must succeed."""
    done = sh(cmd, cwd, env)
    assert done.returncode == 0, f"{cmd} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
    return done


def tabml_calls(env: dict[str, str]) -> list[str]:
    """The tabml commands run since the log was last cleared (stage commands included)."""
    log = Path(env["TABML_CALLS"])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def fresh_clone(origin: Path, target: Path, env: dict[str, str]) -> Path:
    """`git clone` of origin, with `.venv` taken as set up (make runs the test venv's tools)."""
    ok(["git", "clone", "-q", str(origin), str(target)], target.parent, env)
    (target / ".venv").mkdir()
    (target / ".venv" / ".synced").touch()  # newer than uv.lock: `make setup` has nothing to do
    Path(env["TABML_CALLS"]).unlink(missing_ok=True)
    return target


@dataclass(frozen=True)
class Bucket:
    """One bucket of the loopback S3 server."""

    endpoint: str
    name: str

    def client(self) -> Any:
        import boto3  # here: only the slow remote tests need it

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=FAKE_KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_KEYS["AWS_SECRET_ACCESS_KEY"],
        )

    def keys(self) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


def add_s3_remote(repo: Path, bucket: Bucket, env: dict[str, str]) -> None:
    """Make the bucket the default remote (endpoint URL included) and commit the config."""
    ok(["dvc", "remote", "add", "-d", "storage", f"s3://{bucket.name}/dvc"], repo, env)
    ok(["dvc", "remote", "modify", "storage", "endpointurl", bucket.endpoint], repo, env)
    ok(["git", "commit", "-q", "-m", "S3 remote", "--", ".dvc/config"], repo, env)
