"""The raw table may be CSV or parquet (`data.path`'s suffix): the stages give the same splits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from tabml import io, paths
from tabml.config import Params, load_params
from tabml.errors import TabmlError
from tabml.stages import run


def with_path(project: Path, table: Path) -> Params:
    """The project's params with `data.path` pointing at `table`."""
    text = yaml.safe_load((project / "params.yaml").read_text())
    text["data"]["path"] = str(table)
    (project / "params.yaml").write_text(yaml.safe_dump(text, sort_keys=False))
    return load_params(project / "params.yaml")


def as_parquet(params: Params, out: Path) -> Path:
    """The raw table rewritten as parquet, text columns as categoricals (what bench/generate.py
    writes); markers of missing values stay as text, as in the CSV."""
    frame = pd.read_csv(params.data.path, dtype=str, keep_default_na=False, skipinitialspace=True)
    contract = yaml.safe_load(params.data.contract.read_text())["columns"]
    for name, spec in contract.items():
        if spec["type"] == "category":
            frame[name] = frame[name].astype("category")
        else:
            frame[name] = pd.to_numeric(frame[name].replace(params.data.na_values, None))
    frame.to_parquet(out, index=False)
    return out


def splits() -> tuple[bytes, bytes]:
    return paths.TRAIN.read_bytes(), paths.TEST.read_bytes()


def test_parquet_and_csv_give_byte_identical_splits(project: Path) -> None:
    params = load_params(project / "params.yaml")
    run.run_validate(params)
    run.run_prepare(params)
    from_csv, stamp = splits(), io.read_json(paths.VALIDATED)
    parquet = with_path(project, as_parquet(params, project / "data" / "raw" / "table.parquet"))
    run.run_validate(parquet)
    run.run_prepare(parquet)
    assert splits() == from_csv
    assert {k: v for k, v in io.read_json(paths.VALIDATED).items() if k != "source"} == {
        k: v for k, v in stamp.items() if k != "source"
    }


def test_prepare_never_reads_the_dropped_columns(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = load_params(project / "params.yaml")
    assert params.data.drop, "the small project drops a column"
    seen: list[list[str]] = []
    read = io.read_table

    def spy(*args: object, **kwargs: object) -> pd.DataFrame:
        frame = read(*args, **kwargs)  # type: ignore[arg-type]
        seen.append([str(c) for c in frame.columns])
        return frame

    monkeypatch.setattr(io, "read_table", spy)
    split = run.run_prepare(params)
    assert not set(params.data.drop) & set(seen[0])
    assert not set(params.data.drop) & set(split.train.columns)


def test_a_bad_value_in_a_dropped_column_is_still_refused_by_validate(project: Path) -> None:
    params = load_params(project / "params.yaml")
    contract = yaml.safe_load(params.data.contract.read_text())["columns"]
    dropped = next(c for c in params.data.drop if contract[c]["type"] != "category")
    frame = pd.read_csv(params.data.path, dtype=str, keep_default_na=False)
    frame.loc[0, dropped] = "not a number"
    frame.to_csv(params.data.path, index=False)
    with pytest.raises(TabmlError, match=f"column '{dropped}'"):
        run.run_validate(params)


def test_a_wrong_suffix_stops_validate_naming_data_path(project: Path) -> None:
    table = project / "data" / "raw" / "table.json"
    table.write_text("{}")
    with pytest.raises(TabmlError, match=r"table\.json: data\.path must name a \.csv or \.parquet"):
        run.run_validate(with_path(project, table))
    assert not paths.VALIDATED.exists()
