"""The request log over real HTTP (content, rotation, off switch) and its reader."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tabml.errors import TabmlError
from tabml.serve.logs import RequestLog, format_lines, log_files, read_request_log
from tests.serve.servers import LOG_BACKUPS, LOG_MAX_BYTES, RELEASE_INFO, Server, as_records


def test_each_record_is_logged_with_inputs_score_label_version_and_time(
    client: httpx.Client, release_server: Server, test_rows: pd.DataFrame
) -> None:
    records = as_records(test_rows.iloc[:3])
    records[1] = {k: v for k, v in records[1].items() if k not in ("gender", "race")}
    before = dt.datetime.now(dt.UTC)
    body = client.post("/predict", json={"records": records}).json()
    after = dt.datetime.now(dt.UTC)

    logged = read_request_log(release_server.log_path, meta=True)
    mine = logged[logged["request_id"] == body["request_id"]].reset_index(drop=True)
    assert mine["index"].tolist() == [0, 1, 2]
    assert mine["score"].tolist() == [p["score"] for p in body["predictions"]]
    assert mine["label"].tolist() == [p["label"] for p in body["predictions"]]
    assert set(mine["model_version"]) == {RELEASE_INFO["version"]}
    for stamp in mine["timestamp"]:
        assert stamp.endswith("Z")
        when = dt.datetime.fromisoformat(stamp)
        assert before - dt.timedelta(seconds=1) <= when <= after + dt.timedelta(seconds=1)
    for i, record in enumerate(records):
        row = mine.iloc[i]
        for column, value in record.items():
            assert row[column] == value or (value is None and pd.isna(row[column])), column
    assert pd.isna(mine.loc[1, "gender"]), "an optional column left out is not invented"


def test_raw_log_lines_follow_the_documented_format(
    client: httpx.Client, release_server: Server, test_rows: pd.DataFrame
) -> None:
    body = client.post("/predict", json={"records": as_records(test_rows.iloc[:1])}).json()
    lines = release_server.log_path.read_text().splitlines()
    entry = json.loads(next(line for line in lines if body["request_id"] in line))
    assert list(entry) == [
        "timestamp",
        "request_id",
        "index",
        "model_version",
        "inputs",
        "score",
        "label",
    ]
    assert entry["inputs"] == as_records(test_rows.iloc[:1])[0]


def test_the_log_rotates_by_size_and_keeps_the_configured_backups(
    client: httpx.Client, release_server: Server, test_rows: pd.DataFrame
) -> None:
    ids = []
    for i in range(24):
        body = client.post("/predict", json={"records": as_records(test_rows.iloc[i : i + 1])})
        ids.append(body.json()["request_id"])
    path = release_server.log_path
    files = log_files(path)
    assert [f.name for f in files] == [
        *(f"{path.name}.{n}" for n in range(LOG_BACKUPS, 0, -1)),
        path.name,
    ]
    assert not path.with_name(f"{path.name}.{LOG_BACKUPS + 1}").exists()
    assert all(f.stat().st_size <= LOG_MAX_BYTES for f in files)
    kept = read_request_log(path, meta=True)["request_id"].tolist()
    assert kept == ids[-len(kept) :], "oldest first, newest last, none lost in between"
    assert len(kept) < len(ids), "the oldest requests were rotated away"
    only_current = read_request_log(path, include_rotated=False, meta=True)
    assert only_current["request_id"].tolist() == kept[-len(only_current) :]


def test_the_off_switch_writes_no_log(plain_server: Server, test_rows: pd.DataFrame) -> None:
    response = httpx.post(
        f"{plain_server.url}/predict", json={"records": as_records(test_rows.iloc[:2])}
    )
    assert response.status_code == 200
    assert plain_server.params["serve"]["request_log"]["enabled"] is False
    assert not plain_server.log_path.parent.exists()


def write_log(
    path: Path,
    requests: list[list[dict[str, object]]],
    max_bytes: int = 10**6,
    answer: dict[str, object] | None = None,
) -> None:
    log = RequestLog(path, max_bytes=max_bytes, backups=3)
    for number, records in enumerate(requests):
        log.write(
            format_lines(
                request_id=f"r{number}",
                model_version="v1",
                inputs_json=[json.dumps(r) for r in records],
                outputs=[answer or {"score": 0.25, "label": "no"}] * len(records),
                timestamp="2026-01-01T00:00:00.000Z",
            )
        )
    log.close()


def test_reader_returns_inputs_and_score_with_missing_values(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    write_log(path, [[{"a": 1, "b": "x"}, {"a": None, "b": "y"}], [{"a": 3}]])
    frame = read_request_log(path)
    assert list(frame.columns) == ["a", "b", "score"]
    assert frame["a"].tolist()[0] == 1 and pd.isna(frame["a"][1]) and frame["a"][2] == 3
    assert frame["b"].tolist()[:2] == ["x", "y"] and pd.isna(frame["b"][2])
    assert frame["score"].tolist() == [0.25, 0.25, 0.25]


def test_reader_reads_rotated_files_oldest_first(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    write_log(path, [[{"n": i}] for i in range(40)], max_bytes=1024)
    assert len(log_files(path)) == 4  # the log and its 3 backups
    numbers = read_request_log(path)["n"].tolist()
    assert numbers == list(range(40 - len(numbers), 40))


def test_reader_refuses_a_missing_log_and_a_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    with pytest.raises(TabmlError, match="request log not found"):
        read_request_log(path)
    write_log(path, [[{"n": 1}]])
    with path.open("a") as stream:
        stream.write('{"timestamp": "cut off\n')
    with pytest.raises(TabmlError, match="requests.jsonl: line 2 is not a request log entry"):
        read_request_log(path)


def test_reader_of_an_empty_log_has_a_score_column(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text("")
    frame = read_request_log(path)
    assert frame.empty and list(frame.columns) == ["score"]


def test_multiclass_lines_log_the_label_and_probabilities_read_as_prediction_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "requests.jsonl"
    answer: dict[str, object] = {"label": "b", "probabilities": {"a": 0.25, "b": 0.5, "c": 0.25}}
    write_log(path, [[{"n": 1}, {"n": 2}]], answer=answer)
    line = json.loads(path.read_text().splitlines()[0])
    assert {k: line[k] for k in ("label", "probabilities")} == answer and "score" not in line
    frame = read_request_log(path, meta=True)
    assert list(frame.columns)[:5] == ["n", "predicted", "score:a", "score:b", "score:c"]
    assert frame["predicted"].tolist() == ["b", "b"]
    assert frame["score:b"].tolist() == [0.5, 0.5]


def test_regression_lines_log_the_prediction_read_as_predicted(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    write_log(path, [[{"n": 1}], [{"n": 2}]], answer={"prediction": 1234.5})
    line = json.loads(path.read_text().splitlines()[0])
    assert line["prediction"] == 1234.5 and "score" not in line and "label" not in line
    frame = read_request_log(path)
    assert list(frame.columns) == ["n", "predicted"]
    assert frame["predicted"].tolist() == [1234.5, 1234.5]
