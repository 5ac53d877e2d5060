"""The serving image's Dockerfile read as data, so tests can do on the host what `docker build`
and `docker run` would do (no Docker engine runs here)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from tests.support import ROOT, tool_env

DOCKERFILE = ROOT / "Dockerfile"
Step = tuple[str, str]


def instructions(text: str) -> list[Step]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    joined = re.sub(
        r"\\\n\s*",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for line in joined.splitlines()
        if (parts := line.strip().split(None, 1))
    ]


def stages(path: Path = DOCKERFILE) -> list[list[Step]]:
    """The instructions of each stage, from its FROM on."""
    found: list[list[Step]] = []
    for step in instructions(path.read_text()):
        if step[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(step)
    return found


def final_stage() -> list[Step]:
    """The instructions of the runtime stage (from the last FROM)."""
    return stages()[-1]


def context_sources(path: Path = DOCKERFILE) -> list[str]:
    """Every path a COPY takes from the build context (not from another stage)."""
    return [
        source
        for name, args in instructions(path.read_text())
        if name == "COPY" and "--from" not in args
        for source in args.split()[:-1]
    ]


def release_check() -> str:
    """The shell command of the RUN step that checks the release while the image builds."""
    return next(a for stage in stages() for n, a in stage if n == "RUN" and "sha256sum" in a)


def image_command(port: int) -> list[str]:
    """The image's ENTRYPOINT + CMD, listening on 127.0.0.1:`port` instead of 0.0.0.0:8000."""
    final = dict(final_stage())
    argv: list[str] = json.loads(final["ENTRYPOINT"]) + json.loads(final["CMD"])
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    return argv


def host_build(context: Path, root: Path) -> tuple[Path, dict[str, str]]:
    """Run the Dockerfile's build stage on the host with `context` as the whole build context:
    its ENV, WORKDIR, COPY and RUN steps as written, with the image's absolute paths moved under
    `root` (/app -> root/app), `--mount` flags dropped, and the `pip install uv` step replaced by
    the project's uv on PATH. Then lay out root/app as the runtime stage does (its COPY --from
    steps; /app is the same path in both stages, as in the image) and drop the rest.
    Returns root/app and the environment the image's command runs with there."""
    build, runtime = stages(context / "Dockerfile")
    env = {**tool_env(), "UV_NO_PROGRESS": "1"}

    def here(text: str) -> str:
        return re.sub(r"(?<![\w.])/(app|release)\b", lambda m: f"{root}/{m.group(1)}", text)

    workdir = root
    for name, raw in build:
        args = here(raw)
        if name == "ENV":
            env.update(dict(item.split("=", 1) for item in shlex.split(args)))
        elif name == "WORKDIR":
            workdir = workdir / args
            workdir.mkdir(parents=True, exist_ok=True)
        elif name == "COPY":
            *sources, dest = args.split()
            for source in sources:
                copy_into(context / source, workdir / dest, dest.endswith("/"))
        elif name == "RUN" and "uv==" not in args:
            command = re.sub(r"--mount=\S+\s*", "", args)
            done = subprocess.run(
                ["sh", "-c", command],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, f"RUN {raw}\n{done.stdout}{done.stderr}"
    app = root / "app"
    kept: set[str] = set()
    for name, raw in runtime:
        if name == "COPY" and raw.startswith("--from="):
            origin, place = (Path(here(part)) for part in raw.split()[1:])
            target = place if place.is_absolute() else app / place
            if target != origin:
                copy_into(origin, target, raw.endswith("/"))
            kept.add(target.relative_to(app).parts[0])
    for entry in app.iterdir():
        if entry.is_dir() and entry.name not in kept:
            shutil.rmtree(entry)
        elif entry.name not in kept:
            entry.unlink()
    return app, {**tool_env(), "PATH": f"{app}/.venv/bin:{tool_env()['PATH']}"}


def copy_into(source: Path, dest: Path, into_dir: bool) -> None:
    """COPY semantics for the steps above: a directory's contents, or a file into a dir."""
    if source.is_dir():
        shutil.copytree(source, dest, dirs_exist_ok=True, symlinks=True)
    else:
        target = dest / source.name if into_dir else dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
