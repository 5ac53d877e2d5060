"""Installing the locked runtime dependencies, four ways, and the first import afterwards.

What every CI job pays before its first command: `uv sync` without bytecode, with
`--compile-bytecode`, a venv cached under a key of uv.lock (the archive extracted into place,
then the `uv sync` that finds nothing to do), and pip. Bytecode skipped at install time is paid
by the first import instead, so each option is followed by two imports of the pipeline's modules.
The choice between them is made in bench/install_choice.py.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from measure import ROOT, BenchError, log, measure

PYPI = "https://pypi.org/simple"
# What a pipeline run imports (DVC, then the stages as bench/one_process.py imports them).
FIRST_IMPORT = "import dvc.repo; from tabml.stages import evaluate, featurize, prepare, run, train"
OPTIONS = ("uv", "uv-bytecode", "cached-venv", "pip")
SYNC = ["sync", "--frozen", "--no-cache", "--no-dev", "--no-install-project"]


@dataclass(frozen=True)
class InstallRun:
    """One install into a fresh venv: its seconds, then the first and a second import."""

    install: float
    first_import: float
    again: float


@dataclass(frozen=True)
class InstallResult:
    """Every option's runs, interleaved; the cached venv's archive and its restore times."""

    packages: int
    pip_version: str
    archive_mib: float
    restore: list[float]
    runs: dict[str, list[InstallRun]]


def install_env(**extra: str) -> dict[str, str]:
    """No local wheel dirs, mirrors or config files: both installers fetch from pypi.org.
    Bytecode is written on import (PYTHONDONTWRITEBYTECODE dropped), as on a CI runner."""
    keep = {"PIP_CERT", "PIP_DEFAULT_TIMEOUT", "UV_NATIVE_TLS", "UV_HTTP_TIMEOUT"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_")) or k in keep}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", UV_NO_CONFIG="1")
    env.update(extra)
    return env


def find_uv() -> str:
    """The venv's uv (a locked dev dependency), else the private copy of `make setup`."""
    for found in (Path(sys.executable).parent / "uv", ROOT / ".tools" / "bin" / "uv"):
        if found.is_file():
            return str(found)
    raise BenchError("uv not found in the venv or in .tools/bin; run `make setup` first")


def base_python() -> str:
    """The interpreter behind this venv: every venv here is made from it, so that a restored
    venv matches the `--python` of the `uv sync` that checks it."""
    return str(Path(getattr(sys, "_base_executable", sys.executable)).resolve())


def prepare_project(project: Path, src: Path) -> None:
    """pyproject.toml, uv.lock and a compiled copy of `src` (only third-party bytecode differs
    between the options; the project's own is the same for all)."""
    project.mkdir()
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(src, project / "src", ignore=shutil.ignore_patterns("__pycache__"))
    measure([base_python(), "-m", "compileall", "-q", "src"], project, install_env())


def export_requirements(uv: str, project: Path) -> tuple[Path, int]:
    """The lock's runtime pins as a requirements file for pip, and how many packages it names."""
    requirements = project / "requirements.txt"
    export = [uv, "export", "--frozen", "--no-hashes", "--no-dev", "--no-emit-project"]
    measure([*export, "-o", str(requirements)], project, install_env())
    lines = requirements.read_text(encoding="utf-8").splitlines()
    return requirements, sum(1 for line in lines if line and not line.startswith((" ", "#")))


def uv_sync(uv: str, project: Path, venv: Path, compile_bytecode: bool) -> tuple[float, str]:
    """`uv sync` of the runtime pins into `venv`, without a cache: seconds and uv's output."""
    flag = "--compile-bytecode" if compile_bytecode else "--no-compile-bytecode"
    cmd = [uv, *SYNC, flag, "--python", base_python()]
    run = measure(cmd, project, install_env(UV_PROJECT_ENVIRONMENT=str(venv)))
    return run.timing.wall, run.output


# GNU tar with zstd (as actions/cache uses) when the machine has it, else gzip (slower): the
# section names the one it used.
COMPRESSOR = "zstd" if shutil.which("zstd") else "gzip"


def tar_command(archive: Path, *args: str) -> list[str]:
    """GNU tar through `COMPRESSOR`."""
    compress = ["--use-compress-program", "zstd"] if COMPRESSOR == "zstd" else ["--gzip"]
    return ["tar", *compress, "-f", str(archive), *args]


def make_archive(uv: str, project: Path, venv: Path, archive: Path) -> float:
    """The venv a first CI run would save (with bytecode), as an archive; its size in MiB."""
    uv_sync(uv, project, venv, compile_bytecode=True)
    measure(tar_command(archive, "-C", str(venv.parent), "-c", venv.name), project, install_env())
    shutil.rmtree(venv)
    return archive.stat().st_size / 2**20


def restore_archive(uv: str, project: Path, venv: Path, archive: Path) -> tuple[float, float]:
    """Extract the archive into place, then `uv sync --compile-bytecode`, which must find
    nothing to install: the seconds of each."""
    restore = measure(tar_command(archive, "-C", str(venv.parent), "-x"), project, install_env())
    check, output = uv_sync(uv, project, venv, compile_bytecode=True)
    if "Installed" in output or "Uninstalled" in output:
        raise BenchError(f"`uv sync` changed the restored venv {venv}:\n{output}")
    return restore.timing.wall, check


def pip_install(requirements: Path, venv: Path) -> tuple[float, str]:
    """`pip install` of the same pins into a venv made (and pip upgraded) beforehand, untimed."""
    env = install_env()
    measure([base_python(), "-m", "venv", str(venv)], venv.parent, env)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    measure([*pip, "install", "--quiet", "--index-url", PYPI, "--upgrade", "pip"], venv, env)
    version = measure([*pip, "--version"], venv, env).output.split()[1]
    install = [*pip, "install", "--no-cache-dir", "--index-url", PYPI, "-r", str(requirements)]
    return measure(install, venv, env).timing.wall, version


def imports(venv: Path, project: Path) -> tuple[float, float]:
    """Seconds of the first import of the pipeline's modules in `venv`, and of a second one."""
    cmd = [str(venv / "bin" / "python"), "-c", FIRST_IMPORT]
    env = install_env(PYTHONPATH=str(project / "src"))
    first = measure(cmd, project, env).timing.wall
    return first, measure(cmd, project, env).timing.wall


def bench_install(scratch: Path, src: Path, runs: int) -> InstallResult:
    """Each option into a fresh venv, interleaved run by run, each followed by its imports."""
    uv = find_uv()
    project = scratch / "install"
    prepare_project(project, src)
    requirements, packages = export_requirements(uv, project)
    archive = scratch / "venv-cache.tar"
    log("install: the cached venv's archive (uv sync --compile-bytecode, then tar; untimed)")
    archive_mib = make_archive(uv, project, scratch / "cached-venv", archive)
    results: dict[str, list[InstallRun]] = {option: [] for option in OPTIONS}
    restores: list[float] = []
    pip_version = ""
    for number in range(1, runs + 1):
        log(f"install run {number}/{runs}: {', '.join(OPTIONS)}, each with its first import")
        for option in OPTIONS:
            venv = scratch / option
            if option == "pip":
                seconds, pip_version = pip_install(requirements, venv)
            elif option == "cached-venv":
                restore, check = restore_archive(uv, project, venv, archive)
                restores.append(restore)
                seconds = restore + check
            else:
                seconds, _ = uv_sync(uv, project, venv, option == "uv-bytecode")
            results[option].append(InstallRun(seconds, *imports(venv, project)))
            shutil.rmtree(venv)
    return InstallResult(packages, pip_version, archive_mib, restores, results)
