"""Atomic writes, canonical skops files, and refusing unsafe model files."""

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import FunctionTransformer

from tabml import io
from tabml.errors import TabmlError


def fitted(seed: int = 0) -> HistGradientBoostingClassifier:
    x, y = make_classification(300, n_features=5, random_state=0)
    return HistGradientBoostingClassifier(max_iter=10, random_state=seed).fit(x, y)


def test_atomic_write_leaves_nothing_when_the_block_fails(tmp_path: Path) -> None:
    target = tmp_path / "out" / "file.json"
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_atomic_write_replaces_existing(tmp_path: Path) -> None:
    target = tmp_path / "metrics.json"
    io.write_json(target, {"b": 1, "a": 2})
    io.write_json(target, {"a": 3})
    assert target.read_text() == '{\n  "a": 3\n}\n'


def test_same_model_gives_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.skops", tmp_path / "b.skops"
    io.save_model(first, fitted())
    io.save_model(second, fitted())
    assert (
        hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    )
    for info in zipfile.ZipFile(first).infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_plain_skops_is_not_canonical_but_ours_is() -> None:
    raw = [sio.dumps(fitted()) for _ in range(2)]
    assert raw[0] != raw[1]
    assert io.canonical_skops(raw[0]) == io.canonical_skops(raw[1])


def test_canonical_file_loads_to_the_same_predictions(tmp_path: Path) -> None:
    model = fitted()
    path = tmp_path / "model.skops"
    io.save_model(path, model)
    x, _ = make_classification(50, n_features=5, random_state=1)
    np.testing.assert_array_equal(io.load_model(path).predict_proba(x), model.predict_proba(x))


def test_different_models_give_different_bytes(tmp_path: Path) -> None:
    io.save_model(tmp_path / "a.skops", fitted(0))
    x, y = make_classification(300, n_features=5, random_state=3)
    io.save_model(tmp_path / "b.skops", HistGradientBoostingClassifier(max_iter=10).fit(x, y))
    assert (tmp_path / "a.skops").read_bytes() != (tmp_path / "b.skops").read_bytes()


def test_refuses_untrusted_types(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    path.write_bytes(sio.dumps(FunctionTransformer(func=print)))
    with pytest.raises(TabmlError, match="refusing to load untrusted type 'builtins.print'"):
        io.load_model(path)


def test_refuses_non_skops_files(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    path.write_bytes(b"\x80\x04pickle")
    with pytest.raises(TabmlError, match="not a skops model file"):
        io.load_model(path)


def test_missing_model(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match="model file not found"):
        io.load_model(tmp_path / "nope.skops")


def test_read_csv_problems(tmp_path: Path) -> None:
    empty, header = tmp_path / "empty.csv", tmp_path / "header.csv"
    empty.write_text("")
    header.write_text("a,b\n")
    with pytest.raises(TabmlError, match="empty.csv: file is empty"):
        io.read_csv(empty, [])
    with pytest.raises(TabmlError, match="header.csv: file has a header but no rows"):
        io.read_csv(header, [])
    with pytest.raises(TabmlError, match="file not found"):
        io.read_csv(tmp_path / "none.csv", [])


def test_read_json_problems(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text("{nope")
    with pytest.raises(TabmlError, match="m.json: not valid JSON"):
        io.read_json(bad)


def test_read_parquet_reads_only_the_columns_asked_with_python_string_categories(
    tmp_path: Path,
) -> None:
    frame = pd.DataFrame({"t": pd.Categorical(["a", "b", "a"]), "n": [1, 2, 3], "y": [0, 1, 0]})
    io.write_parquet(tmp_path / "f.parquet", frame)
    assert io.read_parquet(tmp_path / "f.parquet", columns=["y"]).columns.tolist() == ["y"]
    back = io.read_parquet(tmp_path / "f.parquet")
    assert back["t"].cat.categories.dtype == object
    assert back["t"].tolist() == ["a", "b", "a"]


def test_both_ways_of_reading_parquet_give_the_same_frame_and_attrs(tmp_path: Path) -> None:
    """Column by column (a smaller peak) or at once (one block per dtype, so scikit-learn gets
    the train features as one array without a copy): the same frame either way."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i}": rng.random(50) for i in range(4)})
    frame["y"] = (frame["x0"] > 0.5).astype(np.int8)
    frame.attrs = {"classes": ["no", "yes"]}
    io.write_parquet(tmp_path / "f.parquet", frame)
    by_column = io.read_parquet(tmp_path / "f.parquet")
    at_once = io.read_parquet(tmp_path / "f.parquet", one_block=True)
    pd.testing.assert_frame_equal(by_column, frame)
    pd.testing.assert_frame_equal(at_once, frame)
    assert by_column.attrs == at_once.attrs == {"classes": ["no", "yes"]}
    assert at_once.drop(columns=["y"])._mgr.nblocks == 1
