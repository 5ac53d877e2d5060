"""`tabml release smoke` against a small loopback server that speaks the serving API, with one
fault at a time; the real server is smoke-tested in test_dockerfile.py and under act."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tabml.config import Params, load_params
from tabml.contract import Contract, load_contract
from tabml.errors import TabmlError
from tabml.metrics import Task
from tabml.release import smoke
from tests.support import write_small_project

FEATURES = ["age", "workclass", "education", "hours-per-week", "native-country"]
CLASSES = ["a", "b", "c"]


@dataclass
class Behaviour:
    """How the fake server answers."""

    version: str = "v1.0.0"
    metadata_version: str | None = None
    bad_record_status: int = 422
    score: float = 0.25
    task: str | None = None  # None: /metadata says no task, as a server before tasks did
    answer: dict[str, Any] | None = None  # each prediction, when not the binary default
    seen: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[tuple[str, Behaviour]]:
    behaviour = Behaviour()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                self.reply(200, {"status": "ok", "model_version": behaviour.version})
            elif self.path == "/metadata":
                version = behaviour.metadata_version or behaviour.version
                self.reply(
                    200,
                    {
                        "model_version": version,
                        "features": FEATURES,
                        "optional": ["gender"],
                        "positive_label": ">50K",
                        "negative_label": "<=50K",
                        **({"task": behaviour.task, "classes": CLASSES} if behaviour.task else {}),
                    },
                )
            else:
                self.reply(404, {})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            behaviour.seen.append(body)
            records = body["records"]
            if any(set(r) != {*FEATURES, "gender"} for r in records):
                self.reply(behaviour.bad_record_status, {"detail": []})
                return
            binary = {"score": behaviour.score, "label": "<=50K"}
            predictions = [behaviour.answer or binary for _ in records]
            self.reply(200, {"model_version": behaviour.version, "predictions": predictions})

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", behaviour
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(scope="module")
def small_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' own small project (not the user's params.yaml, which `make adopt` rewrites)."""
    root = tmp_path_factory.mktemp("project")
    write_small_project(root)
    return root


@pytest.fixture(scope="module")
def project(small_root: Path) -> tuple[Params, Contract]:
    params = load_params(small_root / "params.yaml")
    return params, load_contract(small_root / params.data.contract)


@pytest.fixture
def run_smoke(small_root: Path) -> Callable[..., smoke.SmokeReport]:
    def smoke_it(url: str, project: tuple[Params, Contract], **kwargs: Any) -> smoke.SmokeReport:
        params, contract = project
        return smoke.smoke(url, params, contract, root=small_root, timeout=2, **kwargs)

    return smoke_it


def test_smoke_sends_real_rows_and_checks_the_answers(
    server: tuple[str, Behaviour],
    project: tuple[Params, Contract],
    run_smoke: Callable[..., smoke.SmokeReport],
) -> None:
    url, behaviour = server
    report = run_smoke(url, project, expect_version="v1.0.0", count=3)
    assert (report.model_version, report.records, report.scores) == ("v1.0.0", 3, [0.25] * 3)
    good, bad = behaviour.seen
    assert len(good["records"]) == 3
    first = good["records"][0]
    assert isinstance(first["age"], int) and isinstance(first["workclass"], str)
    assert set(bad["records"][0]) == {*FEATURES[1:], "gender"}


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"bad_record_status": 500}, r"a record without 'age' got HTTP 500, not 422"),
        ({"version": "v0.9.0"}, r"serves model version v0.9.0, not v1.0.0"),
        ({"metadata_version": "v2"}, r"/health and /metadata name different model versions"),
        ({"score": 1.5}, r"prediction 0 is not a score in \[0, 1\] and one of the two labels"),
    ],
    ids=["500 on a bad record", "wrong version", "inconsistent versions", "score out of range"],
)
def test_smoke_refuses_a_faulty_server(
    server: tuple[str, Behaviour],
    project: tuple[Params, Contract],
    run_smoke: Callable[..., smoke.SmokeReport],
    fault: dict[str, Any],
    expected: str,
) -> None:
    url, behaviour = server
    for key, value in fault.items():
        setattr(behaviour, key, value)
    with pytest.raises(TabmlError, match=expected):
        run_smoke(url, project, expect_version="v1.0.0")


def test_smoke_gives_up_on_a_server_that_never_answers(project: tuple[Params, Contract]) -> None:
    with pytest.raises(TabmlError, match=r"/health: not healthy after 1 s"):
        smoke.smoke("http://127.0.0.1:9", *project, timeout=1)


def test_example_record_follows_the_contract(project: tuple[Params, Contract]) -> None:
    _, contract = project
    record = smoke.example_record(contract, ["age", "workclass", "educational-num"])
    assert record == {"age": 0, "workclass": "Federal-gov", "educational-num": 1}


def as_task(project: tuple[Params, Contract], task: Task) -> tuple[Params, Contract]:
    params, contract = project
    data = params.data.model_copy(update={"task": task, "positive_label": None})
    return params.model_copy(update={"data": data}), contract


GOOD_CLASSES = {"label": "b", "probabilities": {"a": 0.2, "b": 0.7, "c": 0.1}}


@pytest.mark.parametrize(
    ("task", "answer", "number"),
    [("multiclass", GOOD_CLASSES, 0.7), ("regression", {"prediction": 1234.5}, 1234.5)],
)
def test_smoke_checks_the_answers_of_each_task(
    *,
    server: tuple[str, Behaviour],
    project: tuple[Params, Contract],
    task: Task,
    answer: dict[str, Any],
    number: float,
    tmp_path: Path,
) -> None:
    url, behaviour = server
    behaviour.task, behaviour.answer = task, answer
    params, contract = as_task(project, task)
    report = smoke.smoke(url, params, contract, root=tmp_path, timeout=2)  # no table: one record
    assert report.scores == [number]


@pytest.mark.parametrize(
    ("task", "answer", "expected"),
    [
        ("multiclass", {**GOOD_CLASSES, "label": "z"}, "not a label of /metadata's classes"),
        (
            "multiclass",
            {"label": "a", "probabilities": {"a": 0.2, "b": 0.2}},
            "a probability for each class",
        ),
        (
            "multiclass",
            {"label": "a", "probabilities": {"a": 0.5, "b": 0.5, "c": 0.5}},
            "summing to 1",
        ),
        ("regression", {"prediction": "12"}, "not a finite number as prediction"),
        ("regression", {"score": 0.2, "label": "<=50K"}, "not a finite number as prediction"),
    ],
)
def test_smoke_refuses_answers_that_do_not_fit_the_task(
    *,
    server: tuple[str, Behaviour],
    project: tuple[Params, Contract],
    task: Task,
    answer: dict[str, Any],
    expected: str,
    tmp_path: Path,
) -> None:
    url, behaviour = server
    behaviour.task, behaviour.answer = task, answer
    with pytest.raises(TabmlError, match=expected):
        smoke.smoke(url, *as_task(project, task), root=tmp_path, timeout=2)


def test_smoke_refuses_a_server_of_another_task(
    server: tuple[str, Behaviour], project: tuple[Params, Contract], tmp_path: Path
) -> None:
    url, behaviour = server
    behaviour.task, behaviour.answer = "multiclass", GOOD_CLASSES
    with pytest.raises(TabmlError, match="serves a multiclass model, but data.task is 'binary'"):
        smoke.smoke(url, *project, root=tmp_path, timeout=2)
