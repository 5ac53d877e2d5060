"""Reading and writing frames, models and JSON. Every write is atomic: temp file, then rename.

Models are stored with skops, and loaded only when every type in the file is one that tabml models
contain (tabml.model_types: exact names, never pickle code); the bytes are canonicalised so that
the same model always gives the same file hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from tabml.errors import TabmlError
from tabml.frames import python_categories

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it into place only if the block succeeds.

    A failed write (disk full, file too large) names `path`, not the temporary file: writers
    such as pyarrow raise an `OSError` that names no file at all.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        tmp.chmod(0o644)  # mkstemp makes 0600 files; outputs are meant to be shared and shipped
        tmp.replace(path)
    except OSError as error:
        if error.filename not in (None, tmp_name):
            raise
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write bytes atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in chunks (`md5` is what dvc.lock records)."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, algorithm).hexdigest()


def write_json(path: Path, payload: Any) -> None:
    """Write pretty, key-sorted JSON atomically (stable diffs in git)."""
    write_bytes(path, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode())


def read_json(path: Path) -> Any:
    """Read JSON, naming the file when it is missing or malformed."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TabmlError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise TabmlError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a frame as parquet atomically, without the pandas index."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def read_parquet(
    path: Path, columns: list[str] | None = None, *, one_block: bool = False
) -> pd.DataFrame:
    """Read a parquet file written by an upstream stage (only `columns`, when given).

    `one_block` reads all columns at once into one block per dtype, so that an all-number frame
    reaches scikit-learn as one array without a copy (the train features); otherwise the columns
    are read one at a time (`read_columns`)."""
    if not path.exists():
        raise TabmlError(f"{path}: file not found; run the upstream stage first (dvc repro)")
    if one_block:
        _system_memory()
        whole = pd.read_parquet(
            path, engine="pyarrow", columns=columns, to_pandas_kwargs={"self_destruct": True}
        )
        return python_categories(whole)
    return python_categories(read_columns(path, columns))


def _system_memory() -> None:
    """Let pyarrow allocate with malloc, which hands big freed buffers back to the system at
    once; its default pool (mimalloc) keeps them, so a stage's memory stayed at the peak of its
    parquet read (2.1 GB against 1.6 GB for a 10M-row raw table)."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def read_columns(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A parquet file read one column at a time: peak memory is the frame plus one column in
    Arrow's form, not the frame plus the whole file decoded (0.9 GB against 2.1 GB for a
    10M-row raw table, docs/scaling.md). The frame's `attrs` (e.g. a split's class list) are
    the file's."""
    import pyarrow.parquet as pq

    _system_memory()
    names = columns if columns is not None else pq.read_schema(path).names
    parts = [
        pd.read_parquet(
            path, engine="pyarrow", columns=[name], to_pandas_kwargs={"self_destruct": True}
        )
        for name in names
    ]
    if not parts:  # no columns asked for: the rows' index alone
        return pd.read_parquet(path, engine="pyarrow", columns=[])
    frame = pd.concat(parts, axis=1)  # no copy: each column keeps its own block
    frame.attrs = dict(parts[0].attrs)
    return frame


def write_csv(path: Path, frame: pd.DataFrame, float_format: str = "%.6g") -> None:
    """Write a small, git-tracked CSV atomically with stable float formatting."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format=float_format, lineterminator="\n")


def read_csv(path: Path, na_values: list[str], dtype: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a raw CSV table, turning the configured markers into missing values."""
    if not path.exists():
        raise TabmlError(f"{path}: file not found")
    try:
        frame = pd.read_csv(
            path, na_values=na_values, keep_default_na=True, dtype=dtype, skipinitialspace=True
        )
    except pd.errors.EmptyDataError:
        raise TabmlError(f"{path}: file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        first_line = str(exc).strip().splitlines()[0]
        raise TabmlError(f"{path}: not a readable CSV table ({first_line})") from None
    if frame.empty:
        raise TabmlError(f"{path}: file has a header but no rows")
    return frame


RAW_SUFFIXES = (".csv", ".parquet")


def read_table(
    path: Path,
    na_values: list[str],
    dtype: dict[str, str] | None = None,
    *,
    drop: list[str] | None = None,
    key: str = "data.path",
) -> pd.DataFrame:
    """Read a raw table, CSV or parquet by its suffix, without the `drop` columns (parquet never
    reads them; a CSV is parsed whole, so that a ragged row is refused, then they are dropped).

    The one reader of raw tables (stages, contract checks, monitoring, retraining), so both
    formats behave alike: parquet keeps its compact types (dictionary columns stay pandas
    categoricals) and its text values equal to a `na_values` marker become missing, as in a CSV.
    `key` is the params key that named the file, for the one sentence about a wrong suffix.
    """
    suffix = path.suffix.lower()
    if suffix not in RAW_SUFFIXES:
        raise TabmlError(
            f"{path}: {key} must name a .csv or .parquet table, not a {suffix or 'suffixless'} file"
        )
    if not path.exists():
        raise TabmlError(f"{path}: file not found")
    skip = set(drop or ())
    if suffix == ".csv":  # not `usecols`: with it, pandas reads a ragged row without a word
        frame = read_csv(path, na_values, dtype)
        return frame.drop(columns=[name for name in frame.columns if name in skip])
    return _read_raw_parquet(path, na_values, skip)


def _read_raw_parquet(path: Path, na_values: list[str], skip: set[str]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
        frame = read_columns(path, [name for name in names if name not in skip])
    except (pa.ArrowException, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TabmlError(f"{path}: not a readable parquet table ({first_line})") from None
    if frame.empty:
        raise TabmlError(f"{path}: file has columns but no rows")
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            markers = [m for m in na_values if m in column.cat.categories]
            if markers:
                frame[name] = column.cat.remove_categories(markers)
        elif not pd.api.types.is_numeric_dtype(column) and na_values:
            frame[name] = column.mask(column.isin(na_values))
    return python_categories(frame)


def to_raw_csv(frame: pd.DataFrame, na_values: list[str]) -> bytes:
    """A frame in the raw table's format (read back by `read_csv`): the first `na_values` marker
    for missing."""
    missing = na_values[0] if na_values else ""
    return frame.to_csv(index=False, na_rep=missing, lineterminator="\n").encode()


def canonical_skops(data: bytes) -> bytes:
    """Rewrite a skops archive so equal models give equal bytes.

    skops names arrays and memo entries after `id()` of the in-memory object and stamps the
    current time on each zip entry. Both vary between runs; we renumber the ids in order of first
    appearance and use a fixed timestamp. The loaded object is unchanged.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    schema = source.read("schema.json").decode()
    ids: dict[str, str] = {}
    for match in re.finditer(r'"__id__": (\d+)|"file": "(\d+)\.', schema):
        ids.setdefault(match.group(1) or match.group(2), str(len(ids)))
    schema = re.sub(r'("__id__": )(\d+)', lambda m: m.group(1) + ids[m.group(2)], schema)
    schema = re.sub(r'("file": ")(\d+)\.', lambda m: f"{m.group(1)}{ids[m.group(2)]}.", schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        renamed = {}
        for name in source.namelist():
            stem, dot, ext = name.partition(".")
            renamed[f"{ids.get(stem, stem)}{dot}{ext}"] = name
        for new_name in sorted(renamed):
            old_name = renamed[new_name]
            content = schema.encode() if old_name == "schema.json" else source.read(old_name)
            info = zipfile.ZipInfo(new_name, _FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


def save_model(path: Path, model: Any) -> None:
    """Save a scikit-learn object with skops, canonicalised and atomically."""
    import skops.io as sio  # skops and scikit-learn cost ~2 s to import; most commands need neither

    write_bytes(path, canonical_skops(sio.dumps(model)))


def load_model(path: Path) -> Any:
    """Load a skops file whose every type is one that tabml models contain (tabml.model_types).

    The file is checked before skops builds anything, so a refused file has no side effect; skops
    then trusts exactly the known types it reports, and the trees are checked before any use.
    """
    import skops.io as sio

    from tabml import model_types

    if not path.exists():
        raise TabmlError(f"{path}: model file not found")
    data = path.read_bytes()
    try:
        schema = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("schema.json"))
        problem = model_types.check_file(schema)
        untrusted = [] if problem else sio.get_untrusted_types(data=data)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, RecursionError) as exc:
        raise TabmlError(f"{path}: not a skops model file ({exc})") from None
    problem = problem or model_types.check_reported(untrusted)
    if problem:
        raise TabmlError(f"{path}: {problem}")
    try:  # every type is known now, so a failure here means damaged or crafted content
        model = sio.loads(data, trusted=untrusted)
        problem = model_types.check_loaded(model)
    except Exception as exc:  # any failure to rebuild untrusted bytes means a bad file
        raise TabmlError(f"{path}: not a loadable tabml model ({type(exc).__name__})") from None
    if problem:
        raise TabmlError(f"{path}: refusing a damaged or crafted model, as its {problem}")
    return model
