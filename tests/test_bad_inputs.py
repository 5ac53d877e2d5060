"""A corpus of bad inputs (params, data, artifacts, HTTP requests), each refused cleanly.

Every case must get a non-zero exit (or a 4xx) and one line naming the file, key, column or field
(no traceback, at most 300 characters), and must leave every file byte-identical: the good
outputs of a project reproduced once per session, with its own table, contract and params (no
fact of the bundled Adult data). CLI cases run the `tabml` entry point in a process of their own,
in a private copy of that project; HTTP cases hit a real `tabml serve`; the cases replayed
through `dvc repro` are marked slow.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from tests.support import BIN, ROOT, run, tool_env

CSV, CONTRACT, PARAMS = "data/raw/customers.csv", "data/contract.yaml", "params.yaml"
MODEL = "models/model.skops"
HEAD, BASE = "a" * 40, "b" * 40
GOOD_RECORD = {"age": 40, "balance": 120.5, "plan": "basic", "region": "north"}
BIG = "x" * 10_000_000  # a 10 MB cell
DATA_FILE = "report-data.json"
Edit = Callable[[Path], object]


def write_project(root: Path) -> None:
    """240 customers, their contract and fast params (an id column, a group, native trees)."""
    rng, rows = random.Random(7), ["customer_id,age,balance,plan,region,churned"]
    for i in range(1, 241):
        age, plan = rng.randint(18, 90), rng.choice(["basic", "plus", "pro"])
        region = rng.choice(["north", "south", "east", "west", ""])
        churn = rng.random() < 0.2 + 0.4 * (plan == "basic") + 0.2 * (age < 30)
        rows.append(f"{i},{age},{rng.uniform(0, 5000):.2f},{plan},{region},{('no', 'yes')[churn]}")
    (root / "data/raw").mkdir(parents=True)
    (root / CSV).write_text("\n".join(rows) + "\n")
    category = {"type": "category", "categories": ["basic", "plus", "pro"]}
    columns = {
        "customer_id": {"type": "integer", "min": 1},
        "age": {"type": "integer", "min": 18, "max": 120},
        "balance": {"type": "number", "min": 0},
        "plan": category,
        "region": {**category, "nullable": True, "categories": ["east", "north", "south", "west"]},
        "churned": {**category, "categories": ["no", "yes"]},
    }
    (root / CONTRACT).write_text(yaml.safe_dump({"columns": columns}, sort_keys=False))
    data = {"path": CSV, "contract": CONTRACT, "target": "churned", "positive_label": "yes"}
    params = {
        "data": {**data, "id_column": "customer_id", "groups": ["region"]},
        "split": {"test_size": 0.2, "seed": 3},  # dvc.yaml's params must all be in the file
        "featurize": {"categorical": "native"},
        "train": {"seed": 3, "hist_gradient_boosting": {"max_iter": 20}},
        "evaluate": {"importance_repeats": 1, "importance_max_rows": 100},
        "serve": {"max_batch": 5, "max_body_bytes": 20_000},
    }
    (root / PARAMS).write_text(yaml.safe_dump(params, sort_keys=False))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(root: Path, under: tuple[str, ...] = ("",)) -> dict[str, str]:
    """SHA-256 of every file below `root` whose relative path starts with one of `under`."""
    named = ((str(p.relative_to(root)), p) for p in sorted(root.rglob("*")) if p.is_file())
    return {key: sha256(path) for key, path in named if key.startswith(under)}


def assert_one_sentence(output: str, pattern: str) -> None:
    """Exactly one line, `error: <message>`, the message at most 300 characters and matching."""
    assert "Traceback" not in output, output[-3000:]
    [line] = output.strip().splitlines() or [""]
    message = line.removeprefix("error: ")
    assert line.startswith("error: ") and len(message) <= 300, line[:400]
    assert re.search(pattern, message), message


# --- edits: each turns a copy of the good project into one bad input -----------------------------


def param(dotted: str, value: Any = ..., file: str = PARAMS) -> Edit:
    """Set a params key (`...` deletes it) and write the params to `file`."""

    def edit(root: Path) -> None:
        params = node = yaml.safe_load((root / PARAMS).read_text())
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        if value is ...:
            del node[last]
        else:
            node[last] = value
        (root / file).write_text(yaml.safe_dump(params, sort_keys=False))

    return edit


def text(name: str, content: str | Callable[[str], str | bytes]) -> Edit:
    """Write a file, or rewrite its text with a function."""

    def edit(root: Path) -> None:
        new = content(root.joinpath(name).read_text()) if callable(content) else content
        root.joinpath(name).write_bytes(new if isinstance(new, bytes) else new.encode())

    return edit


def table(change: Callable[[list[list[str]]], object]) -> Edit:
    """Edit the raw CSV as rows of cells (row 0 is the header)."""

    def rewrite(old: str) -> str:
        rows = [line.split(",") for line in old.splitlines()]
        change(rows)
        return "\n".join(",".join(row) for row in rows) + "\n"

    return text(CSV, rewrite)


def each_row(change: Callable[[list[str]], object]) -> Edit:
    return table(lambda rows: list(map(change, rows)))


def cell(row: int, column: str, value: str) -> Edit:
    return table(lambda rows: rows[row].__setitem__(rows[0].index(column), value))


def skops_file(change: Callable[[dict[str, bytes]], None]) -> Edit:
    """Edit the members of the model's zip archive (schema.json and the .npy arrays)."""

    def edit(root: Path) -> None:
        with zipfile.ZipFile(root / MODEL) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        change(members)
        with zipfile.ZipFile(root / MODEL, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)

    return edit


def schema(change: Callable[[dict[str, Any]], None]) -> Edit:
    def rewrite(members: dict[str, bytes]) -> None:
        tree = json.loads(members["schema.json"])
        change(tree)
        members["schema.json"] = json.dumps(tree).encode()

    return skops_file(rewrite)


def loop_a_tree(members: dict[str, bytes]) -> None:
    """Point the root split of the first tree back at itself: compiled code would loop."""
    for name, data in members.items():
        nodes = np.load(io.BytesIO(data), allow_pickle=False) if name.endswith(".npy") else None
        if nodes is not None and "left" in (nodes.dtype.names or ()):
            nodes["left"][0] = 0
            np.save(out := io.BytesIO(), nodes, allow_pickle=False)
            members[name] = out.getvalue()
            return
    raise AssertionError("no tree in the model file")


def release(sums: Callable[[str], str | None]) -> Edit:
    """A release directory of the good model whose SHA256SUMS is `sums(<the right lines>)`."""

    def edit(root: Path) -> None:
        (folder := root / "release").mkdir()
        shutil.copy(root / MODEL, folder / "model.skops")
        shutil.copy(root / CONTRACT, folder / "contract.yaml")
        right = "".join(f"{sha256(folder / n)}  {n}\n" for n in ("model.skops", "contract.yaml"))
        if (content := sums(right)) is not None:
            (folder / "SHA256SUMS").write_text(content)

    return edit


def report_data() -> dict[str, Any]:
    """A small report-data.json that the schema accepts (test_the_unedited_artifacts_pass)."""
    curve = {"x": [0.0, 1.0], "base": [0.0, 1.0], "pr": [0.0, 1.0]}
    delta = {"metric": "roc_auc", "base": 0.8, "pr": 0.81, "delta": 0.01, "low": 0.0, "high": 0.02}
    confusion = {"tn": 9, "fp": 2, "fn": 3, "tp": 6}
    versions = dict.fromkeys(("tabml", "dvc", "scikit_learn", "pandas"), "1.0")
    return {
        "schema_version": 1, "headline": "roc_auc", "paired": True, "base_sha": BASE,
        "pr_sha": HEAD, "base_source": "committed outputs", "base_rows": 48, "pr_rows": 48,
        "deltas": [delta], "checks": [{"rule": "roc_auc >= 0.5", "passed": True, "detail": "ok"}],
        "params": [], "inputs": [], "slices": [], "roc": curve, "precision_recall": curve,
        "confusion_base": confusion, "confusion_pr": confusion, "lock_fresh": True,
        "lock_reasons": [], "versions": versions,
    }  # fmt: skip


def artifact(data: Callable[[dict[str, Any]], object] = dict, **manifest: object) -> Edit:
    """A PR report artifact (report-data.json and the manifest naming its hash), edited."""

    def edit(root: Path) -> None:
        (folder := root / "artifact").mkdir()
        data(content := report_data())
        (folder / DATA_FILE).write_text(json.dumps(content))
        fields = {"pr_number": 7, "head_sha": HEAD, "base_sha": BASE, "data_file": DATA_FILE}
        fields["data_sha256"] = sha256(folder / DATA_FILE)
        (folder / "manifest.json").write_text(json.dumps(fields | manifest))

    return edit


# --- the CLI corpus: params, data, artifacts --------------------------------------------------


@dataclass(frozen=True)
class Cli:
    """`tabml <args>` in a copy of the good project after `edit`: exit 1 and `message`."""

    id: str
    edit: Edit
    message: str  # a regex searched in the one-line message; it names the file first
    args: tuple[str, ...] = ("validate",)


EVALUATE, OTHER_PARAMS = ("evaluate",), ("validate", "--params", "p.yaml")
SERVE = ("serve", "--model", "release", "--port", "9")
VERIFY = ("verify-report", "--artifact-dir", "artifact", "--run-head-sha", HEAD, "--run-id", "1",
          "--repo", "acme/demo", "--run-conclusion")  # fmt: skip
P, DATA, M = r"^params\.yaml: ", r"^data/raw/customers\.csv: ", r"^models/model\.skops: "
COL = DATA + "column "
REPORT, MANIFEST = r"^artifact/report-data\.json: ", r"^artifact/manifest\.json: "
CASES = [
    Cli("unknown key", param("train.sed", 1), P + r"unknown key 'train\.sed'$"),
    Cli("wrong type", param("split.seed", "abc"), P + r"key 'split\.seed' .*integer.*'abc'"),
    Cli("threshold above 1", param("evaluate.threshold", 1.5), P + r"key 'evaluate\.threshold'"),
    Cli("bad metric name", param("report.metrics", ["roc_acu"]), P + r"report\.metrics .*'roc_acu"),
    Cli("test size 0", param("split.test_size", 0), P + r"key 'split\.test_size' .*greater than 0"),
    Cli("test size too small", param("split.test_size", 0.001), P + r"split\.test_size 0\.001 lea"),
    Cli("native categories, linear model", param("train.model", "logistic_regression"),
        P + r"featurize\.categorical 'native' needs train\.model 'hist_gradient_boosting'"),
    Cli("bad serve key", param("serve.prot", 80), P + r"unknown key 'serve\.prot'$"),
    Cli("bad monitor value", param("monitor.bins", 1), P + r"key 'monitor\.bins' .*\(got 1\)$"),
    Cli("retrain writes raw data", param("retrain.table", "data/raw/t.csv"), P + r"retrain\.table"),
    Cli("missing data.target", param("data.target"), P + r"missing key 'data\.target'$"),
    Cli("100 kB key", param("train." + "k" * 100_000, 1), P + r"unknown key 'train\.k+…'$"),
    Cli("target not in contract", param("data.target", "churn"), P + r"data\.target .*'churn'"),
    Cli("missing contract", param("data.contract", "no.yaml"), r"^no\.yaml: contract file not"),
    Cli("data is a directory", lambda root: (root / "data/t.csv").mkdir() or param(
        "data.path", "data/t.csv")(root), r"^data/t\.csv: Is a directory$"),
    Cli("YAML syntax error", text(PARAMS, "data: [\n"), P + r"not valid YAML at line 2$"),
    Cli("params as a list", text(PARAMS, "- data\n"), P + r"expected a mapping of sections"),
    Cli("empty params", text(PARAMS, ""), P + r"file is empty$"),
    Cli("missing params", lambda root: None, r"^p\.yaml: file not found$", OTHER_PARAMS),
    Cli("another params file", param("data.target", "churn", "p.yaml"), r"^p\.yaml: data\.",
        OTHER_PARAMS),
    Cli("value below min", cell(3, "age", "7"), COL + r"'age' has 1 value below 18$"),
    Cli("unknown category", cell(4, "plan", "gold"), COL + r"'plan' .*outside .*'gold'"),
    Cli("text for a number", cell(5, "balance", "lots"), COL + r"'balance' .*not a numb.*'lots'"),
    Cli("fraction for an integer", cell(5, "age", "40.5"), COL + r"'age' .*not an integer.*40\.5"),
    Cli("10 MB cell", cell(6, "plan", BIG), COL + r"'plan' .*outside .*\(e\.g\. 'x+…'\)$"),
    Cli("infinite number", cell(6, "balance", "inf"), COL + r"'balance' has 1 infinite value"),
    Cli("10 MB number", cell(6, "balance", "9" * 10_000_000), COL + r"'balance' has 1 infinite"),
    Cli("10 MB column name", cell(0, "plan", BIG), COL + r"'x+…' is not in the contract"),
    Cli("missing value", cell(7, "plan", ""), COL + r"'plan' has 1 missing value but the contr"),
    Cli("missing target column", each_row(list.pop),
        COL + r"'churned' is missing$"),
    Cli("extra column", each_row(lambda row: row.append("red" if row[0].isdigit() else "colour")),
        COL + r"'colour' is not in the contract$"),
    Cli("empty data", text(CSV, ""), DATA + r"file is empty$"),
    Cli("header only", text(CSV, lambda old: old.splitlines()[0]), DATA + r"file has a header bu"),
    Cli("not UTF-8", text(CSV, lambda old: old.replace("north", "nörd").encode("latin-1")),
        DATA + r"not a readable CSV table \('utf-8' codec can't decode byte 0xf6"),
    Cli("ragged row", text(CSV, lambda old: old + "1,2,3,4,5,6,7\n"),
        DATA + r"not a readable CSV table \(.*Expected 6 fields in line 242, saw 7\)$"),
    Cli("duplicate ids", cell(9, "customer_id", "3"), COL + r"'customer_id' \(data\.id_co.* 1 dup"),
    Cli("unseen target label", cell(2, "churned", "maybe"), COL + r"'churned' .*'maybe'"),
    Cli("positive label absent", param("data.positive_label", "Yes"),
        COL + r"'churned' never has the positive label 'Yes' \(data\.positive_label\)$"),
    Cli("contract typo", text(CONTRACT, lambda old: old.replace("max:", "maxx:")),
        r"^data/contract\.yaml: key 'columns\.age\.maxx'"),
    Cli("untrusted type", schema(lambda s: s.update(__module__="posix", __class__="system")),
        M + r"refusing to load untrusted type 'posix\.system'", EVALUATE),
    Cli("other skops protocol", schema(lambda s: s.update(protocol=1)),
        M + r"refusing to load skops file protocol 1", EVALUATE),
    Cli("not a zip", text(MODEL, "model\n"), M + r"not a skops model file", EVALUATE),
    Cli("truncated model", lambda r: (r / MODEL).write_bytes((r / MODEL).read_bytes()[:9000]),
        M + r"not a skops model file", EVALUATE),
    Cli("crafted tree", skops_file(loop_a_tree),
        M + r"refusing a damaged .* tree 0 has a split whose child is not a later node", EVALUATE),
    Cli("malformed SHA256SUMS", release(lambda right: right[:40]),
        r"^release/SHA256SUMS: line 1 is not '<sha256>  <file name>'$", SERVE),
    Cli("checksum mismatch", release(lambda right: "0" * 64 + right[64:]),
        r"^release/model\.skops: SHA-256 [0-9a-f]{16}\.\.\. does not match 0{16}", SERVE),
    Cli("no SHA256SUMS", release(lambda right: None), r"^release: .* no SHA256SUMS", SERVE),
    Cli("tampered data hash", artifact(data_sha256="0" * 64),
        REPORT + r"SHA-256 does not match the manifest$", (*VERIFY, "success")),
    Cli("unknown report key", artifact(lambda d: d.update(markdown="## forged")),
        REPORT + r"key 'markdown': Extra inputs are not permitted$", (*VERIFY, "success")),
    Cli("verdict in the manifest", artifact(gate_passed=True),
        MANIFEST + r"key 'gate_passed'", (*VERIFY, "success")),
    Cli("forged conclusion", artifact(), r"^--run-conclusion must be .* got 'skipped'$",
        (*VERIFY, "skipped")),
    Cli("oversized string", artifact(lambda d: d.update(base_source=BIG[:100_000])),
        REPORT + r"key 'base_source': String should have at most 200", (*VERIFY, "success")),
    Cli("wrong head SHA", artifact(head_sha="c" * 40),
        MANIFEST + r"head_sha c{12} is not the triggering run's head a{12}$", (*VERIFY, "success")),
    Cli("data outside the artifact", artifact(data_file="../params.json"),
        MANIFEST + r"key 'data_file'", (*VERIFY, "success")),
    Cli("NaN in report data", artifact(lambda d: d["deltas"][0].update(pr=float("nan"))),
        REPORT + r"key 'deltas\.0\.pr'", (*VERIFY, "success")),
]  # fmt: skip
CONTROL = Cli("the good project", lambda root: None, "", ("validate",))


def case_id(case: Cli | Http) -> str:
    return case.id.replace(" ", "-")


@dataclass(frozen=True)
class Outcome:
    """What one CLI case did: exit code, output, and the digests of its files around the run."""

    code: int
    stdout: str
    stderr: str
    before: dict[str, str]
    after: dict[str, str]


# Each case is a process of its own running the `tabml` entry point (tabml.cli:app) with its own
# working directory, environment, stdout, stderr and exit code. Starting Python and importing
# tabml costs about a second of CPU, fifty times over, so a server process imports once and forks
# a child per case; the child runs the command and exits, and an alarm ends one that hangs (a
# server that should not have started). One server: a second would cost its import again (about
# 3 s of CPU) to overlap cases of a tenth of a second each, on cores that `make test`'s other
# workers keep busy. The HTTP cases' `tabml serve` is a child too, left running ("detach": its
# pid is the answer), ended with SIGTERM and reaped when the fork server's input closes.
FORK_SERVER = """
import json, os, signal, sys, traceback
from tabml.cli import app
import skops.io
import tabml.model_types
import tabml.serve.app
import tabml.stages.validate
detached = []
for line in sys.stdin:
    case = json.loads(line)
    if (pid := os.fork()) == 0:
        code = 1
        try:
            signal.alarm(0 if case.get("detach") else 60)
            os.chdir(case["cwd"])
            os.environ.update(case["env"])
            for fd, name in ((1, "out"), (2, "err")):
                os.dup2(os.open(case[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            sys.argv = ["tabml", *case["args"]]
            try:
                app()
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    if case.get("detach"):
        detached.append(pid)
        print(pid, flush=True)
    else:
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
for pid in detached:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
"""
# A token, and an API that refuses connections: no case may get as far as calling GitHub.
GITHUB = {"GITHUB_TOKEN": "t", "GITHUB_API_URL": "http://127.0.0.1:9"}


class ForkServer:
    """FORK_SERVER in a process of its own: one job a line in, one number a line out."""

    def __init__(self) -> None:
        command = [str(BIN / "python"), "-c", FORK_SERVER]
        pipes: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
        self.process = subprocess.Popen(command, env=tool_env(), text=True, **pipes)

    def ask(self, job: dict[str, Any]) -> int:
        """Send a job; its exit code, or the pid of a detached one."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the fork server stopped ({self.process.poll()})"
        return int(answer)

    def close(self) -> None:
        """End input: the server ends its detached children, reaps them and exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


@pytest.fixture(scope="session")
def fork_server() -> Iterator[ForkServer]:
    server = ForkServer()
    try:
        yield server
    finally:
        server.close()


def run_cases(cases: list[Cli], good: Path, where: Path, server: ForkServer) -> dict[str, Outcome]:
    """Copy the good project for each case, apply its edit, run its command; collect outcomes."""
    jobs, before = [], {}
    for case in cases:
        shutil.copytree(good, root := where / case_id(case))
        case.edit(root)
        before[case.id] = digests(root)
        env = {"GITHUB_OUTPUT": str(root / "github-output"), **GITHUB}
        out, err = (str(where / f"{case_id(case)}.{name}") for name in ("out", "err"))
        jobs.append({"cwd": str(root), "env": env, "args": case.args, "out": out, "err": err})
    outcomes = {}
    for case, code in zip(cases, map(server.ask, jobs), strict=True):
        out, err = (where.joinpath(f"{case_id(case)}.{n}").read_text() for n in ("out", "err"))
        after = digests(where / case_id(case))
        outcomes[case.id] = Outcome(int(code), out, err, before[case.id], after)
    return outcomes


@pytest.fixture(scope="session")
def good_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with every stage run once (in this process: it is setup, not a case)."""
    from tabml.cli import app

    write_project(root := tmp_path_factory.mktemp("good") / "project")
    with contextlib.chdir(root):
        for stage in ("validate", "prepare", "featurize", "train", "evaluate"):
            result = CliRunner().invoke(app, [stage])
            assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="session")
def outcomes(
    request: pytest.FixtureRequest,
    good_project: Path,
    fork_server: ForkServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Outcome]:
    """The outcome of every CLI case this session selected, all run at once (FORK_SERVER)."""
    calls = (getattr(item, "callspec", None) for item in request.session.items)
    cases = (call.params.get("case") for call in calls if call is not None)
    selected = [case for case in cases if isinstance(case, Cli)]
    return run_cases(selected, good_project, tmp_path_factory.mktemp("cases"), fork_server)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_bad_input_is_refused_in_one_sentence_and_changes_no_file(
    case: Cli, outcomes: dict[str, Outcome]
) -> None:
    outcome = outcomes[case.id]
    assert outcome.code == 1, outcome.stderr[-3000:]
    assert_one_sentence(outcome.stderr, case.message)
    assert outcome.stdout == ""
    assert outcome.after == outcome.before  # no output written, replaced or deleted


@pytest.mark.parametrize("case", [CONTROL], ids=case_id)
def test_the_same_runner_passes_the_good_project(case: Cli, outcomes: dict[str, Outcome]) -> None:
    """The control: what the cases above refuse is their edit, not the runner or the project."""
    outcome = outcomes[case.id]
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == "validate: params.yaml, data/contract.yaml and 240 rows ok\n"


def test_the_unedited_artifacts_pass_the_same_checks(good_project: Path, tmp_path: Path) -> None:
    """The control for artifacts: each is refused for its edit, not for how the test builds it."""
    from tabml.compare.manifest import load_verified
    from tabml.io import load_model
    from tabml.serve.model import load_served_model

    shutil.copytree(good_project, root := tmp_path / "project")
    for edit in (artifact(), release(lambda right: right), skops_file(lambda members: None)):
        edit(root)
    manifest, data = load_verified(root / "artifact/manifest.json", HEAD)
    assert (manifest.pr_number, data.headline) == (7, "roc_auc")
    assert load_served_model(root / "release", None, root / CSV).source == "release"
    assert hasattr(load_model(root / MODEL), "predict_proba")


# --- HTTP: a real `tabml serve` of the good model, its request log on ------------------------


@dataclass(frozen=True)
class Http:
    """A request to the server: answered `status`, its first problem naming `field` (a regex)."""

    id: str
    send: Callable[[httpx.Client], httpx.Response]
    status: int
    field: str | None


def post(body: object, content_type: str = "application/json") -> Callable[..., httpx.Response]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda client: client.post(
        "/predict", content=content, headers={"content-type": content_type}
    )


def batch(*changes: dict[str, Any]) -> dict[str, Any]:
    """A body of good records, one per change (a value of ... removes the field)."""
    merged = ({**GOOD_RECORD, **change} for change in changes or ({},))
    return {"records": [{k: v for k, v in r.items() if v is not ...} for r in merged]}


def chunked(client: httpx.Client) -> httpx.Response:
    """32 kB with no Content-Length: the limit is counted as the body streams in."""
    headers = {"content-type": "application/json"}
    return client.post("/predict", content=iter([b" " * 8_000] * 4), headers=headers)


R0, JSON = r"records\[0\]\.", "application/json"
NAN = b'{"records": [{"age": 40, "balance": NaN, "plan": "basic"}]}'
HTTP = [
    Http("text/plain body", post(batch(), "text/plain"), 415, "content-type"),
    Http("latin-1 charset", post(batch(), f"{JSON}; charset=latin-1"), 415, "content-type"),
    Http("body over the limit", post(b"{" + b" " * 25_000 + b"}"), 413, "body"),
    Http("chunked body over the limit", chunked, 413, "body"),
    Http("invalid JSON", post(b'{"records": [}'), 422, "body"),
    Http("records not a list", post({"records": GOOD_RECORD}), 422, "records"),
    Http("missing field", post(batch({"age": ...})), 422, R0 + "age"),
    Http("unknown field", post(batch({"colour": "red"})), 422, R0 + "colour"),
    Http("target as input", post(batch({"churned": "yes"})), 422, R0 + "churned"),
    Http("out-of-range value", post(batch({"age": 150})), 422, R0 + "age"),
    Http("unknown category", post(batch({"plan": "gold"})), 422, R0 + "plan"),
    Http("string for a number", post(batch({"age": "40"})), 422, R0 + "age"),
    Http("null where not nullable", post(batch({"plan": None})), 422, R0 + "plan"),
    Http("NaN", post(NAN), 422, R0 + "balance"),
    Http("huge string", post(batch({"plan": "x" * 15_000})), 422, R0 + "plan"),
    Http("huge field name", post(batch({"k" * 15_000: 1})), 422, R0 + "'k+…'"),
    Http("empty batch", post({"records": []}), 422, "records"),
    Http("over max_batch", post(batch(*[{}] * 6)), 422, "records"),
    Http("unknown top-level field", post({**batch(), "threshold": 0.1}), 422, "threshold"),
    Http("wrong method", lambda client: client.get("/predict"), 405, None),
]


@dataclass(frozen=True)
class Served:
    client: httpx.Client
    root: Path  # the served project: its request log goes to logs/requests.jsonl


@pytest.fixture(scope="session")
def served(
    good_project: Path, fork_server: ForkServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """`tabml serve` on a copy of the good project, on a free port of 127.0.0.1 (a detached
    child of the fork server: the CLI cases already paid for its imports)."""
    shutil.copytree(good_project, root := tmp_path_factory.mktemp("served") / "project")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out, err = root.parent / "server.out", root.parent / "server.err"
    args = ["serve", "--port", str(port)]
    job = {"cwd": str(root), "env": {}, "args": args, "out": str(out), "err": str(err)}
    pid = fork_server.ask({**job, "detach": True})
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as client:
            deadline = time.monotonic() + 90
            while not healthy(client):
                assert time.monotonic() < deadline, out.read_text() + err.read_text()
                time.sleep(0.1)
            yield Served(client, root)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def healthy(client: httpx.Client) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return client.get("/health").status_code == 200
    return False


@pytest.mark.parametrize("case", HTTP, ids=case_id)
def test_a_bad_request_is_refused_with_a_small_answer_and_not_logged(
    case: Http, served: Served
) -> None:
    before = digests(served.root)
    response = case.send(served.client)
    assert response.status_code == case.status, response.text[:500]
    assert len(response.content) <= 2_000 and "Traceback" not in response.text
    detail = response.json()["detail"]
    problems = detail if isinstance(detail, list) else [{"field": "", "reason": detail}]
    for problem in problems:
        assert len(problem["reason"]) <= 300 and "\n" not in problem["reason"], problem
        assert len(json.dumps(problem.get("input"))) <= 90, problem  # echoes are cut at 80
    assert case.field is None or re.fullmatch(case.field, problems[0]["field"]), problems
    assert digests(served.root) == before  # the request log included


def test_a_good_request_is_scored_and_logged(served: Served) -> None:
    """The control: the same server logs what it scores, so an unchanged log means something."""
    before = digests(served.root)
    response = post(batch({}, {"region": None}))(served.client)
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == 2
    assert digests(served.root).keys() - before.keys() <= {"logs/requests.jsonl"}
    assert digests(served.root) != before


# --- the same bad inputs through `dvc repro` (slow) -------------------------------------------

# Case id -> None, or DVC's own refusal when it reads params.yaml itself (for dvc.yaml's
# ${data.path}) before any stage runs: its words, not tabml's, on several lines for bad YAML.
TABML_REFUSES = ("threshold above 1", "unknown key", "value below min", "unseen target label")
THROUGH_DVC = dict.fromkeys((*TABML_REFUSES, "empty data", "contract typo", "infinite number")) | {
    "YAML syntax error": r"(?m)^ERROR: unable to read: 'params\.yaml', YAML file structure is",
    "params as a list": r"(?m)^ERROR: .*expected a dictionary, got 'list' in file 'params\.yaml'$",
}


@pytest.fixture(scope="session")
def dvc_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with this repository's dvc.yaml, reproduced by `dvc repro`, committed."""
    write_project(repo := tmp_path_factory.mktemp("dvc") / "repo")
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].values()
    code = {dep for stage in stages for dep in stage.get("deps", []) if dep.startswith("src/")}
    for name in ["dvc.yaml", ".gitignore", *code]:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, repo / name)
    for command in (["git", "init", "-q", "-b", "main"], ["dvc", "init", "-q"], ["dvc", "repro"]):
        run(command, repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "reproduced"], repo)
    return repo


@pytest.mark.slow
@pytest.mark.parametrize(
    "dvc_case", [c for c in CASES if isinstance(c, Cli) and c.id in THROUGH_DVC], ids=case_id
)
def test_dvc_repro_stops_before_any_stage_can_delete_an_output(
    dvc_case: Cli, dvc_project: Path, tmp_path: Path
) -> None:
    shutil.copytree(dvc_project, repo := tmp_path / "repo", symlinks=True)
    # not data/validated.json: validate's own stamp, which DVC deletes before running validate
    outputs = ("reports/", "models/", "data/prepared/", "data/features/", "dvc.lock")
    before = digests(repo, outputs)
    dvc_case.edit(repo)
    result = run(["dvc", "repro"], repo, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    if (refused_by_dvc := THROUGH_DVC[dvc_case.id]) is None:
        assert "Running stage 'prepare'" not in output
        assert_one_sentence("\n".join(re.findall(r"(?m)^error: .*$", output)), dvc_case.message)
    else:
        assert "Running stage" not in output and re.search(refused_by_dvc, output), output
    assert digests(repo, outputs) == before
