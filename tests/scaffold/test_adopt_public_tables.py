"""Issue 11's promise, end to end through the Makefile (slow): three public tables that ship
inside scikit-learn (binary with text labels, multiclass, regression), each adopted into its own
copy of this repository with `make adopt`, then `make run`, the README's test command (`make
test`: lint, types, import contracts, the default suite) unchanged, `make report` and `make gate`
on a one-param branch, and one request to `tabml serve` answered in the task's shape."""

from __future__ import annotations

import json
import math
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tabml.config import load_params
from tabml.contract import load_contract
from tabml.release.smoke import sample_records
from tabml.scaffold.adopt_params import set_key
from tests.serve.servers import free_port
from tests.support import BIN, copy_mypy_cache, copy_repo, run, tool_env

# name: (target column, task, headline); no network at test time, the tables are in sklearn.
TABLES = {
    "breast_cancer": ("diagnosis", "binary", "roc_auc"),
    "wine": ("cultivar", "multiclass", "f1_macro"),
    "diabetes": ("progression", "regression", "rmse"),
}


def public_table(name: str, path: Path) -> pd.DataFrame:
    """The table as a user would hand it over: a CSV, classes as text where sklearn has names."""
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame: pd.DataFrame = bunch.frame.rename(columns={"target": TABLES[name][0]})
    if name != "diabetes":  # binary: 'benign' / 'malignant'; wine: class_0, class_1, class_2
        frame[TABLES[name][0]] = bunch.target_names[bunch.target]
    frame.to_csv(path, index=False)
    return frame


def make_env() -> dict[str, str]:
    """The test tools without the outer make's flags (a jobserver of `make test-slow`)."""
    return {k: v for k, v in tool_env().items() if not k.startswith(("MAKE", "MFLAGS"))}


def make(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["make", *args], cwd=repo, env=make_env(), text=True, capture_output=True, check=False
    )
    assert done.returncode == 0, f"make {' '.join(args)}:\n{done.stdout[-4000:]}{done.stderr}"
    return done


def request(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@contextmanager
def served(repo: Path) -> Iterator[str]:
    """`tabml serve` of the adopted model on a free loopback port; its base URL."""
    port = free_port()
    command = [str(BIN / "tabml"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, cwd=repo, env=tool_env(), stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if request(f"{url}/health")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "tabml serve: not healthy after 90 s"
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def check_answer(task: str, answer: dict[str, Any], classes: list[str]) -> None:
    """One prediction in the shape of the task (docs/serving.md)."""
    if task == "regression":
        assert isinstance(answer["prediction"], float) and math.isfinite(answer["prediction"])
        return
    assert answer["label"] in classes
    if task == "binary":
        assert 0.0 <= answer["score"] <= 1.0
    else:
        assert set(answer["probabilities"]) == set(classes)
        assert sum(answer["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TABLES))
def test_a_public_table_adopted_with_make_runs_tests_reports_gates_and_serves(
    tmp_path: Path, name: str
) -> None:
    target, task, headline = TABLES[name]
    repo = copy_repo(tmp_path / "repo")
    copy_mypy_cache(repo)  # `make test` below type-checks the same src/ as the checkout did
    (repo / ".venv").mkdir()
    (repo / ".venv" / ".synced").touch()  # newer than uv.lock: make uses the test venv's tools
    source = tmp_path / f"{name}.csv"
    frame = public_table(name, source)

    head = run(["git", "rev-parse", "HEAD"], repo).stdout
    adopted = make(repo, "adopt", f"DATA={source}", f"TARGET={target}")
    assert f"task: {task}" in adopted.stderr and "Review before you commit" in adopted.stderr
    assert run(["git", "rev-parse", "HEAD"], repo).stdout == head  # nothing committed
    metrics = json.loads((repo / "reports" / "metrics.json").read_text())
    assert metrics["task"] == task and metrics["n_test"] > 0
    assert headline in json.loads((repo / "reports" / "baseline.json").read_text())
    ran = make(repo, "run")
    assert "Data and pipelines are up to date." in ran.stdout + ran.stderr  # adopt reproduced

    make(repo, "test")  # the template's own tests pass on the adopted table, unchanged

    # The user commits the adoption; a one-param PR passes the data-agnostic gate.
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", f"adopt {name}"], repo)
    # A param that leaves the model as it is: a model change may regress significantly (more
    # iterations overfit diabetes), which the gate rightly fails; here the gate must pass.
    run(["git", "checkout", "-q", "-b", "fewer-repeats"], repo)
    params = repo / "params.yaml"
    params.write_text(set_key(params.read_text(), "evaluate.importance_repeats", 3))
    make(repo, "run")
    run(["git", "commit", "-q", "-am", "fewer importance repeats"], repo)
    make(repo, "report", "BASE=main")
    report = json.loads((repo / "reports" / "pr" / "report.json").read_text())
    assert report["task"] == task
    gate = make(repo, "gate")
    assert f"{headline} beats the trivial baseline" in gate.stdout + gate.stderr

    with served(repo) as url:
        status, metadata = request(f"{url}/metadata")
        assert status == 200 and metadata["task"] == task
        features = [*metadata["features"], *metadata.get("optional", [])]
        assert set(features) == set(frame.columns) - {target}
        # The table's first row, typed by the contract (an integer column as int), as a client
        # would send it; the release smoke check builds its records the same way.
        loaded = load_params(repo / "params.yaml")
        contract = load_contract(repo / loaded.data.contract)
        [record] = sample_records(loaded, contract, features, 1, repo)
        status, body = request(f"{url}/predict", {"records": [record]})
        assert status == 200, body
        [answer] = body["predictions"]
        check_answer(task, answer, [str(c) for c in metadata.get("classes") or []])
        if task != "regression":
            assert set(metadata["classes"]) == set(frame[target].astype(str))
        status, _ = request(f"{url}/predict", {"records": [{target: 1}]})  # no features: refused
        assert status == 422
