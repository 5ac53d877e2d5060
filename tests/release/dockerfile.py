"""The serving image's Dockerfile read as data, so tests can do on the host what `docker build`
and `docker run` would do (no Docker engine runs here)."""

from __future__ import annotations

import json
import re

from tests.support import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
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


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the runtime stage (from the last FROM)."""
    steps = instructions(DOCKERFILE.read_text())
    last_from = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def release_check() -> str:
    """The shell command of the RUN step that checks the release while the image builds."""
    return next(a for n, a in final_stage() if n == "RUN" and "sha256sum" in a)


def image_command(port: int) -> list[str]:
    """The image's ENTRYPOINT + CMD, listening on 127.0.0.1:`port` instead of 0.0.0.0:8000."""
    final = dict(final_stage())
    argv: list[str] = json.loads(final["ENTRYPOINT"]) + json.loads(final["CMD"])
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    return argv
