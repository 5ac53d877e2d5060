"""The actions/cache stand-in's local cache mode (run by act on the host with the test venv's
python, which ``run_act`` puts first on PATH: the archive is compressed with its ``zstandard``).

Off by default: without ``$ACT_STANDIN_CACHE_DIR`` every restore is a miss that says
``cache-hit=false`` and nothing is ever saved, as the stand-in always did. With it naming a
directory, that directory is the cache service, following actions/cache v5 (src/restoreImpl.ts,
src/saveImpl.ts) and GitHub's documented key matching:

- restore: an entry whose key equals ``key`` (case-insensitively, as ``isExactKeyMatch``), else
  the newest entry whose key starts with ``key``, else, for each ``restore-keys`` line in order,
  the newest entry starting with it; only entries saved with the same ``path`` lines (the
  "version") match. The archive is extracted relative to the workspace; ``cache-hit`` is
  ``true`` only for an exact match, and on a miss it is left unset (actions/cache#1466);
- save: skipped after an exact hit; an existing key is never overwritten (a warning, as the
  service's reservation fails); the archive is ``tar --posix -P`` of the paths relative to the
  workspace, through zstd, as @actions/cache makes it on GitHub's runners (which have zstd); the
  library, a locked dev dependency, stands in for the ``zstd`` program, which a fresh machine
  lacks, so the archive is the same whatever the host has installed.

One difference from GitHub is forced by act: each job gets a fresh random workspace, where
GitHub's is the same on every run, and a virtual environment holds absolute paths (script
shebangs, ``.pth`` files). Saving lists the text files under the cached paths that hold the
saved workspace's path; restoring into another workspace rewrites that prefix in those files
only, which is what a restore on GitHub gets for free.

Usage: ``python3 cache.py restore|save <owner/name>`` with the inputs as ``INPUT_*``.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from standin import fail, inputs, items, output, record, truthy

try:
    import zstandard
except ImportError:  # not the test venv's python
    fail(f"{sys.executable} has no zstandard: run the workflow through run_act after make setup")

STORE_VAR = "ACT_STANDIN_CACHE_DIR"
ARCHIVE = "cache.tzst"
COMPRESSION = "zstd-without-long"  # @actions/cache's getCompressionMethod where zstd is installed
SALT = "1.0"  # @actions/cache's versionSalt
TEXT_LIMIT = 1 << 20  # files larger than 1 MiB are not scanned for the workspace's path


def store() -> Path | None:
    """The cache store, or None in the default (never restore, never save) mode."""
    value = os.environ.get(STORE_VAR, "")
    return Path(value) if value else None


def workspace() -> Path:
    """Where relative ``path`` lines start (``$GITHUB_WORKSPACE``, else the current directory)."""
    return Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()


def version(paths: list[str]) -> str:
    """The entry's version: its path lines and compression method, as ``getCacheVersion``."""
    return hashlib.sha256("|".join([*paths, COMPRESSION, SALT]).encode()).hexdigest()


def entries(root: Path, paths: list[str]) -> list[dict[str, Any]]:
    """Metadata of every stored entry saved with these ``path`` lines, newest first."""
    wanted = version(paths)
    found = [json.loads(p.read_text(encoding="utf-8")) for p in root.glob("*/meta.json")]
    same = [entry for entry in found if entry["version"] == wanted]
    return sorted(same, key=lambda entry: int(str(entry["created"])), reverse=True)


def lookup(
    root: Path, paths: list[str], key: str, restore_keys: list[str]
) -> dict[str, Any] | None:
    """The entry GitHub would restore: exact key, then key as a prefix, then each restore key."""
    candidates = entries(root, paths)
    exact = [e for e in candidates if str(e["key"]).casefold() == key.casefold()]
    if exact:
        return exact[0]
    for prefix in [key, *restore_keys]:
        matches = [e for e in candidates if str(e["key"]).startswith(prefix)]
        if matches:
            return matches[0]
    return None


def entry_dir(root: Path, key: str, paths: list[str]) -> Path:
    """One entry's directory in the store."""
    return root / hashlib.sha256(f"{version(paths)}|{key}".encode()).hexdigest()[:32]


def resolve(paths: list[str], base: Path) -> list[str]:
    """The files and directories the ``path`` lines name, relative to ``base`` when inside it."""
    found: list[str] = []
    for line in paths:
        pattern = str(Path(line).expanduser())
        absolute = pattern if Path(pattern).is_absolute() else str(base / pattern)
        for match in sorted(glob.glob(absolute, recursive=True, include_hidden=True)):  # noqa: PTH207
            path = Path(match)
            found.append(str(path.relative_to(base)) if path.is_relative_to(base) else match)
    return found


def holders(names: list[str], base: Path) -> list[str]:
    """Text files (no NUL byte, at most ``TEXT_LIMIT``) below ``names`` holding ``base``'s path."""
    needle = str(base).encode()
    found: list[str] = []
    for name in names:
        top = base / name
        files = [top] if top.is_file() else [p for p in top.rglob("*") if p.is_file()]
        for file in files:
            if file.is_symlink() or file.stat().st_size > TEXT_LIMIT:
                continue
            data = file.read_bytes()
            if needle in data and b"\0" not in data:
                found.append(
                    str(file.relative_to(base)) if file.is_relative_to(base) else str(file)
                )
    return found


def _tar(*args: str, base: Path) -> list[str]:
    """GNU tar as @actions/cache runs it (``--posix -P -C <workspace>``), the archive on a pipe."""
    return ["tar", "--posix", "-P", "-C", str(base), *args]


def _failed(done: int, errors: Any) -> None:
    errors.seek(0)
    fail(f"tar failed ({done}): {errors.read().decode(errors='replace').strip()[-2000:]}")


def pack(archive: Path, manifest: Path, base: Path) -> None:
    """Archive the listed paths through zstd (``zstd -T0``: every core) into ``archive``."""
    with tempfile.TemporaryFile() as errors, archive.open("wb") as sink:
        command = _tar("-cf", "-", "--files-from", str(manifest), base=base)
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors) as tar:
            assert tar.stdout is not None
            zstandard.ZstdCompressor(threads=-1).copy_stream(tar.stdout, sink)
        if tar.returncode != 0:
            _failed(tar.returncode, errors)


def unpack(archive: Path, base: Path) -> None:
    """Extract ``archive`` relative to ``base``."""
    with tempfile.TemporaryFile() as errors, archive.open("rb") as source:
        command = _tar("-xf", "-", base=base)
        with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors, bufsize=0) as tar:
            assert tar.stdin is not None
            try:
                zstandard.ZstdDecompressor().copy_stream(source, tar.stdin)
            except BrokenPipeError:
                pass  # tar stopped early: its own message says why
            except zstandard.ZstdError as error:
                tar.kill()
                fail(f"the cache entry {archive} is not a zstd archive ({error})")
            tar.stdin.close()
        if tar.returncode != 0:
            _failed(tar.returncode, errors)


def relocate(entry: dict[str, Any], base: Path) -> int:
    """Rewrite the saved workspace's path to this one in the files listed at save time."""
    old, new = str(entry["workspace"]).encode(), str(base).encode()
    if old == new:
        return 0
    for name in entry["relocate"]:
        file = base / name
        if file.is_file():
            file.write_bytes(file.read_bytes().replace(old, new))
    return len(entry["relocate"])


def restore(action: str, stateful: bool = True) -> None:
    """Restore the best entry into the workspace; set the outputs and (``actions/cache``, which
    has a post step) the state that the save reads."""
    given = inputs()
    key, paths = given.get("key", ""), items(given.get("path", ""))
    root = store()
    if root is None:
        print(f"stand-in {action}: cache miss")
        output(cache_hit="false", cache_primary_key=key, cache_matched_key="")
        if truthy(given.get("fail-on-cache-miss")):
            fail("cache miss")
        return
    if stateful:
        state(cache_primary_key=key)
    restore_keys = items(given.get("restore-keys", ""))
    entry = lookup(root, paths, key, restore_keys) if root.is_dir() else None
    if entry is None:
        record(action, outcome="miss")
        if truthy(given.get("fail-on-cache-miss")):
            fail(f"Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Key: {key}")
        print(f"Cache not found for input keys: {', '.join([key, *restore_keys])}")
        output(cache_primary_key=key)
        return
    matched, base = str(entry["key"]), workspace()
    hit = matched.casefold() == key.casefold()
    if not truthy(given.get("lookup-only")):
        began = time.perf_counter()
        unpack(entry_dir(root, matched, paths) / ARCHIVE, base)
        moved = relocate(entry, base)
        print(f"extracted in {time.perf_counter() - began:.2f} s; {moved} file(s) relocated")
    if stateful:
        state(cache_matched_key=matched)
    record(action, outcome="hit" if hit else "restore-key", matched=matched)
    output(cache_hit=str(hit).lower(), cache_primary_key=key, cache_matched_key=matched)
    verb = "found and can be restored" if truthy(given.get("lookup-only")) else "restored"
    print(f"Cache {verb} from key: {matched}")


def save(action: str) -> None:
    """Save the paths under the primary key unless restore hit it exactly or it exists."""
    root = store()
    if root is None:
        print(f"stand-in {action}: saved nothing (no {STORE_VAR})")
        return
    given = inputs()
    key = os.environ.get("STATE_CACHE_PRIMARY_KEY") or given.get("key", "")
    paths = items(given.get("path", ""))
    if key.casefold() == os.environ.get("STATE_CACHE_MATCHED_KEY", "").casefold():
        print(f"Cache hit occurred on the primary key {key}, not saving cache.")
        return
    base = workspace()
    names = resolve(paths, base)
    if not names:
        print(
            "::warning::Path Validation Error: Path(s) specified in the action for caching "
            "do(es) not exist, hence no cache is being saved."
        )
        return
    target = entry_dir(root, key, paths)
    if target.exists():
        print(
            f"::warning::Failed to save: Unable to reserve cache with key {key}, another job "
            "may be creating this cache."
        )
        return
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".saving-", dir=root))
    manifest = staging / "manifest.txt"
    manifest.write_text("\n".join(names) + "\n", encoding="utf-8")
    pack(staging / ARCHIVE, manifest, base)
    meta = {
        "key": key,
        "version": version(paths),
        "paths": paths,
        "workspace": str(base),
        "created": time.time_ns(),
        "relocate": holders(names, base),
    }
    (staging / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    staging.rename(target)
    size = (target / ARCHIVE).stat().st_size / 2**20
    record(action, outcome="saved", key=key, mib=round(size, 1))
    print(f"Cache saved with key: {key} ({size:.1f} MiB)")


def state(**values: str) -> None:
    """Save state for the post step (``STATE_<NAME>`` there), when the runner offers it."""
    path = os.environ.get("GITHUB_STATE")
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.writelines(f"{name.upper()}={value}\n" for name, value in values.items())


if __name__ == "__main__":
    if sys.argv[1] == "restore-only":
        restore(sys.argv[2], stateful=False)
    else:
        {"restore": restore, "save": save}[sys.argv[1]](sys.argv[2])
