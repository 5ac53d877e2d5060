"""The monitoring commands' wiring: read the current data and the reference, write the reports;
write demo batches; open the one drift issue. Each is one `tabml monitor` command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabml import io, paths
from tabml.contract import load_contract
from tabml.errors import TabmlError

if TYPE_CHECKING:
    from tabml.config import Params
    from tabml.retrain.decide import Decision


@dataclass(frozen=True)
class Checked:
    """A drift report and its one-line verdict."""

    report: dict[str, Any]
    verdict: str

    @property
    def warnings(self) -> list[str]:
        """Sentences about the trust in the report (e.g. rows the model trained on)."""
        return list(self.report["warnings"])

    @property
    def drift(self) -> bool:
        """Whether any check crossed its threshold."""
        return bool(self.report["drift"])


def run_monitor(
    params: Params,
    current: Path | None,
    current_log: Path | None,
    json_out: Path,
    markdown_out: Path,
) -> Checked:
    """Drift of a batch (default: the newest in data/incoming/) or of the serving request log
    against the training data and test-set outputs; writes the JSON and markdown reports.

    The previous reports are removed first, so a run that fails leaves none to be mistaken for
    its verdict."""
    from tabml.monitor.batches import latest_batch
    from tabml.monitor.current import from_batch, from_request_log
    from tabml.monitor.drift import detect_drift, load_reference
    from tabml.monitor.report import render_markdown, verdict
    from tabml.serve.logs import read_request_log

    for stale in (json_out, markdown_out):  # a failed run must not leave an old verdict behind
        stale.unlink(missing_ok=True)
    contract = load_contract(params.data.contract)
    if current is not None and current_log is not None:
        raise TabmlError("tabml monitor: pass --current or --current-log, not both")
    model = None
    if current_log is not None:
        log = read_request_log(current_log, meta=True)
        data = from_request_log(log, str(current_log), params.data.target, params.data.task)
    else:
        path = current or latest_batch(paths.INCOMING)
        frame = io.read_csv(path, params.data.na_values, contract.read_dtypes())
        data = from_batch(frame, str(path), params.data.target)
        model = io.load_model(paths.MODEL)
    result = detect_drift(
        load_reference(params.data, contract),
        data,
        contract=contract,
        data=params.data,
        params=params.monitor,
        threshold=params.evaluate.threshold,
        model=model,
    )
    markdown = render_markdown(result)
    io.write_json(json_out, result)
    io.write_bytes(markdown_out, markdown.encode())
    return Checked(result, verdict(result, bold=False))


@dataclass(frozen=True)
class Written:
    """What `monitor batches` wrote: batch files, the rows they were drawn from, and the rows
    left in the reserved base table (0 without `--reserve`)."""

    files: int
    rows: int
    base_rows: int = 0


def write_batches(
    params: Params,
    out: Path,
    *,
    count: int | None,
    shifts: list[str],
    shift_from: int,
    seed: int,
    start: str,
    every_days: int,
    all_rows: bool,
    reserve: Path | None = None,
    params_file: Path = paths.PARAMS,
) -> Written:
    """Write held-out raw rows (or all of them) as dated batch CSVs in the raw format, shifted
    from batch `shift_from` on.

    With `reserve`, the batches are a seeded `split.test_size` share of the raw table, and the
    other rows are written to `reserve`, which `data.path` and `retrain.base` then point at: the
    model trained on that base never saw the batches, and a retrain that appends them adds rows
    that are new (the continuous-training demo's gain is then real, or there is none)."""
    from tabml.monitor.batches import (
        batch_count,
        held_out_rows,
        make_batches,
        parse_date,
        parse_shift,
        reserve_rows,
    )
    from tabml.retrain.params_edit import point_key

    contract = load_contract(params.data.contract)
    raw = io.read_table(params.data.path, params.data.na_values, contract.read_dtypes())
    base = None
    if reserve is not None:
        _check_reserve(params, reserve, all_rows)
        base, raw = reserve_rows(raw, params.split.test_size, seed)
    elif not all_rows:
        test_ids = io.read_parquet(paths.TEST)["row_id"]
        raw = held_out_rows(raw, test_ids, params.data.id_column)
    written = make_batches(
        raw,
        count=batch_count(len(raw), count, params.monitor.min_rows),
        seed=seed,
        start=parse_date(start),
        every_days=every_days,
        shifts=[parse_shift(text, contract) for text in shifts],
        contract=contract,
        shift_from=shift_from,
    )
    edited = ""
    if reserve is not None:
        edited = params_file.read_text(encoding="utf-8")
        for section, key in (("data", "path"), ("retrain", "base")):
            edited = point_key(edited, section, key, reserve.as_posix(), str(params_file))
    for name, frame in written.items():
        io.write_bytes(out / f"{name}.csv", io.to_raw_csv(frame, params.data.na_values))
    if base is not None and reserve is not None:
        io.write_bytes(reserve, io.to_raw_csv(base, params.data.na_values))
        io.write_bytes(params_file, edited.encode())
    return Written(len(written), len(raw), 0 if base is None else len(base))


def _check_reserve(params: Params, reserve: Path, all_rows: bool) -> None:
    """`--reserve` writes a derived table from the full one: refuse what would lose data."""
    if all_rows:
        raise TabmlError("tabml monitor batches: pass --reserve or --all-rows, not both")
    if reserve.parts[:2] == ("data", "raw"):
        raise TabmlError(f"--reserve {reserve}: is under data/raw/, which is never written")
    if reserve == params.data.path:
        raise TabmlError(
            f"--reserve {reserve}: data.path already points at it (rows were reserved before); "
            "point data.path back at the full table first"
        )


def open_drift_issue(
    params: Params,
    repo: str,
    *,
    dispatch: bool,
    json_in: Path,
    markdown_in: Path,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[Decision, str, dict[str, Any] | None]:
    """Open or update the one `drift` issue from the last monitor run, if it drifted, and
    dispatch the retrain workflow when asked: the decision, what was done and the issue."""
    from tabml.monitor.drift_issue import drift_decision
    from tabml.platform import actions
    from tabml.retrain import RETRAIN_WORKFLOW
    from tabml.retrain.api import dispatch as dispatch_workflow
    from tabml.retrain.api import publish

    drift = io.read_json(json_in)
    markdown = markdown_in.read_text(encoding="utf-8") if drift.get("drift") else ""
    decision = drift_decision(
        drift,
        markdown,
        server=actions.server_url(),
        repo=repo,
        dispatched=dispatch,
        run_url=actions.run_url(),
    )
    if decision.kind == "none":
        return decision, "none", None
    if dispatch:
        dispatch_workflow(repo, RETRAIN_WORKFLOW, params.retrain.main)
        log(f"dispatched {RETRAIN_WORKFLOW} on {params.retrain.main}")
    action, item = publish(repo, decision)
    return decision, action, item
