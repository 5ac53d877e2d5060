"""Helpers for the serving tests: starting `tabml serve` processes, releases, records."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import yaml

from tests.support import BIN, run, tool_env

STAGES = ("prepare", "featurize", "train", "evaluate")
RELEASE_INFO = {"version": "1.2.3", "git_sha": "a" * 40, "data_hash": "b" * 32}
RELEASE_THRESHOLD = 0.3  # not the default 0.5, so the test sees params decide the label
RELEASE_MAX_BATCH = 50
RELEASE_MAX_BODY = 100_000  # serve.max_body_bytes of the release server (plain: the default)
DEFAULT_MAX_BODY = 4_000_000  # params.yaml's serve.max_body_bytes: the plain server's limit
JSON = {"content-type": "application/json"}
LOG_MAX_BYTES = 2048
LOG_BACKUPS = 2
STARTUP_SECONDS = 90


@dataclass(frozen=True)
class Server:
    """A running `tabml serve` process."""

    url: str
    root: Path
    params: dict[str, Any]
    process: subprocess.Popen[bytes]

    @property
    def log_path(self) -> Path:
        """Where this server writes (or would write) its request log."""
        return self.root / self.params["serve"]["request_log"]["path"]


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(model: Path, params_file: Path, port: int) -> list[str]:
    """The `tabml serve` command line for a model (file or release directory)."""
    return [
        str(BIN / "tabml"),
        "serve",
        "--model",
        str(model),
        "--params",
        str(params_file),
        "--port",
        str(port),
    ]


def write_params(root: Path, name: str, serve: dict[str, Any], **sections: Any) -> Path:
    """A copy of the project's params.yaml with the serve section (and others) replaced."""
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["serve"] = {**params["serve"], **serve}
    for section, values in sections.items():
        params[section] = {**params[section], **values}
    path = root / f"params-{name}.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def start(model: Path, params_file: Path, root: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start a server without waiting for it; its output goes to `<params file>.out`."""
    port = free_port()
    with params_file.with_suffix(".out").open("wb") as out:
        process = subprocess.Popen(
            serve_command(model, params_file, port),
            cwd=root,
            env=tool_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen[bytes], url: str, output: Path) -> None:
    """Poll /health until the server answers; fail with its output if it exits or hangs."""
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"server exited {process.returncode}:\n{output.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if client.get("/health").status_code == 200:
                    return
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"server did not start within {STARTUP_SECONDS} s:\n{output.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server gracefully (SIGTERM), killing it if it hangs."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def make_release(trained: Path, target: Path) -> Path:
    """A release directory (with the data contract it serves with) and its checksums written by
    coreutils' `sha256sum`."""
    target.mkdir(parents=True)
    shutil.copy(trained / "models" / "model.skops", target / "model.skops")
    shutil.copy(trained / "data" / "contract.yaml", target / "contract.yaml")
    shutil.copy(trained / "reports" / "metrics.json", target / "metrics.json")
    (target / "release.json").write_text(json.dumps(RELEASE_INFO))
    (target / "MODEL_CARD.md").write_text("# Model card\n")
    files = ["model.skops", "contract.yaml", "metrics.json", "release.json", "MODEL_CARD.md"]
    sums = run(["sha256sum", *files], target).stdout
    (target / "SHA256SUMS").write_text(sums)
    return target


def as_records(frame: pd.DataFrame, drop: tuple[str, ...] = ("row_id", "income")) -> list[Any]:
    """Rows as JSON records (missing values as null), without the id and the target."""
    records: list[Any] = json.loads(frame.drop(columns=list(drop)).to_json(orient="records"))
    return records


@dataclass(frozen=True)
class RawResponse:
    """What a raw HTTP exchange got back."""

    status: int
    headers: dict[str, str]
    body: bytes


def raw_exchange(url: str, head: str, body: bytes = b"", timeout: float = 10.0) -> RawResponse:
    """Send `head` (request line and headers, each ending in a newline) and `body` over a plain
    socket, then read one response. Unlike an HTTP client it can stop in the middle of a body and
    wait for the answer, which shows what a server does before the body is complete."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed after {data!r}")
            data += chunk
        top, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = top.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        while len(rest) < int(headers.get("content-length", "0")):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return RawResponse(int(status_line.split()[1]), headers, rest)
