"""The project's wheel, built from the released commit, so the serving image needs only the
release directory: it installs the locked dependencies from the release's `uv.lock` and then
this wheel, and never sees the repository checkout.

The wheel is built by `uv build` in a clean git worktree of HEAD, not in the work tree, so an
untracked or ignored file under src/ is never released. Hatchling builds reproducibly (fixed file
times), so the same commit gives the same wheel bytes, and the release stays byte-identical.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from tabml.errors import TabmlError
from tabml.platform import git, tools


def find_uv(given: str | None = None) -> str:
    """The uv to build with: `given`, else the venv's own (a locked dev dependency), else PATH."""
    if given:  # a relative path would break in the worktree the build runs in
        return str(Path(given).resolve()) if "/" in given else given
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file():
        return str(beside)
    on_path = shutil.which("uv")
    if on_path is None:
        raise TabmlError("uv was not found beside python or on PATH; run `make setup` first")
    return on_path


def build_wheel(out_dir: Path, uv: str | None = None, root: Path = Path()) -> Path:
    """Build the wheel of HEAD into `out_dir` and return its path."""
    command = find_uv(uv)
    with tempfile.TemporaryDirectory(prefix=".tabml-wheel.") as tmp:
        built = Path(tmp) / "dist"
        with git.worktree("HEAD", Path(tmp) / "tree", cwd=root) as tree:
            try:
                done = tools.run([command, "build", "--wheel", "--out-dir", str(built), "."], tree)
            except OSError:
                raise TabmlError(f"`{command}` not found; run `make setup` first") from None
        if done.returncode != 0:
            output = done.stderr.decode(errors="replace") or done.stdout.decode(errors="replace")
            lines = output.strip().splitlines()
            last = lines[-1].strip() if lines else "no output"
            raise TabmlError(f"`uv build --wheel` of HEAD failed (exit {done.returncode}): {last}")
        wheels = sorted(built.glob("*.whl"))
        if len(wheels) != 1:
            raise TabmlError(f"`uv build --wheel` of HEAD made {len(wheels)} wheels, not one")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target
