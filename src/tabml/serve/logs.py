"""The request log: one JSON line per scored record, rotated by size, and its reader.

A line looks like (one line in the file; see docs/serving.md)::

    {"timestamp": "2026-11-28T14:03:07.412Z", "request_id": "9f1c...", "index": 0,
     "model_version": "1.2.0", "inputs": {"age": 39, "workclass": "State-gov", ...},
     "score": 0.123456, "label": "<=50K"}

`inputs` holds the record's fields exactly as validated (contract column names as keys, absent
optional group columns left out). After it come the record's answer, as /predict gave it: binary
`score` and `label` (above); multiclass `label` and `probabilities` {class: p}; regression
`prediction`. The drift monitor reads it with `read_request_log`.
This module has no web dependencies.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tabml.errors import TabmlError

META_COLUMNS = ("timestamp", "request_id", "index", "model_version", "label")


def utc_now() -> str:
    """The current time as ISO 8601 in UTC with milliseconds, e.g. 2026-11-28T14:03:07.412Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def format_lines(
    *,
    request_id: str,
    model_version: str,
    inputs_json: Sequence[str],
    outputs: Sequence[Mapping[str, Any]],
    timestamp: str,
) -> str:
    """The log lines of one request (joined by newlines, no trailing newline).

    `inputs_json` are the records already serialised as JSON objects, so that a batch costs one
    string format per record rather than a `json.dumps` of each record's dict. `outputs` are the
    records' answers, whose fields follow the inputs.
    """
    head = (
        f'{{"timestamp": {json.dumps(timestamp)}, "request_id": {json.dumps(request_id)}, "index": '
    )
    version = json.dumps(model_version)
    return "\n".join(
        f'{head}{index}, "model_version": {version}, "inputs": {inputs}, {json.dumps(output)[1:]}'
        for index, (inputs, output) in enumerate(zip(inputs_json, outputs, strict=True))
    )


class RequestLog:
    """Appends request lines to a file, rotating it to `<path>.1` ... `<path>.<backups>`."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        self._handler.setFormatter(logging.Formatter("%(message)s"))
        # A private logger, not registered globally: two apps in one process never share it.
        self._logger = logging.Logger(f"tabml.serve.requests:{path}", logging.INFO)
        self._logger.propagate = False
        self._logger.addHandler(self._handler)

    def write(self, lines: str) -> None:
        """Append the lines of one request; rotation happens between requests, never inside."""
        self._logger.info(lines)

    def close(self) -> None:
        """Flush and close the file."""
        self._logger.removeHandler(self._handler)
        self._handler.close()


def log_files(path: Path) -> list[Path]:
    """The log and its rotated backups that exist, oldest first."""
    backups = []
    number = 1
    while (candidate := path.with_name(f"{path.name}.{number}")).is_file():
        backups.append(candidate)
        number += 1
    return [*reversed(backups), *([path] if path.is_file() else [])]


def _outputs(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A line's answer as the columns of reports/predictions.csv: binary `score`; multiclass
    `predicted` and `score:<class>` per class; regression `predicted`."""
    if "probabilities" in entry:
        probabilities = entry["probabilities"]
        scores = {f"score:{name}": float(p) for name, p in probabilities.items()}
        return {"predicted": str(entry["label"]), **scores}
    if "prediction" in entry:
        return {"predicted": float(entry["prediction"])}
    return {"score": float(entry["score"])}


def _parse(file: Path, outputs: dict[str, None]) -> list[dict[str, Any]]:
    """The rows of one file; `outputs` collects the output columns met, in order."""
    rows = []
    with file.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                row = dict(entry["inputs"])
                answer = _outputs(entry)
                row.update(answer)
                row.update({key: entry.get(key) for key in META_COLUMNS})
            except (ValueError, KeyError, TypeError, AttributeError):
                raise TabmlError(f"{file}: line {number} is not a request log entry") from None
            outputs.update(dict.fromkeys(answer))
            rows.append(row)
    return rows


def read_request_log(path: Path, include_rotated: bool = True, meta: bool = False) -> pd.DataFrame:
    """The logged records as a frame: their input columns plus the answer's columns (`score`
    for binary, see `_outputs` for the other tasks), oldest first.

    With `include_rotated`, the rotated backups (`<path>.N` ... `<path>.1`) are read too.
    With `meta`, the columns timestamp, request_id, index, model_version and label are kept.
    Numbers come back as int64/float64 and categories as strings; a missing value is NaN/None.
    """
    files = log_files(path) if include_rotated else [path] if path.is_file() else []
    if not files:
        raise TabmlError(f"{path}: request log not found (is serve.request_log.enabled on?)")
    outputs: dict[str, None] = {}
    rows = [row for file in files for row in _parse(file, outputs)]
    frame = pd.DataFrame.from_records(rows)
    if frame.empty:
        return pd.DataFrame({"score": pd.Series(dtype="float64")})
    inputs = [c for c in frame.columns if c not in outputs and c not in META_COLUMNS]
    columns = [*inputs, *outputs, *(META_COLUMNS if meta else ())]
    return frame[columns].reset_index(drop=True)
