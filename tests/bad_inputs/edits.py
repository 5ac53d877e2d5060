"""Edits, each turning a copy of the good project into one bad input: a params key, a file's
text, a cell of the table, the model's zip archive, a release directory or a PR report artifact.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tests.bad_inputs.corpus import CONTRACT, CSV, MODEL, PARAMS, sha256

HEAD, BASE = "a" * 40, "b" * 40
DATA_FILE = "report-data.json"
Edit = Callable[[Path], object]


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
