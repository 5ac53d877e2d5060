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
    against the training data and test-set scores; writes the JSON and markdown reports."""
    from tabml.monitor.batches import latest_batch
    from tabml.monitor.current import from_batch, from_request_log
    from tabml.monitor.drift import detect_drift, load_reference
    from tabml.monitor.report import render_markdown, verdict
    from tabml.serve.logs import read_request_log

    contract = load_contract(params.data.contract)
    if current is not None and current_log is not None:
        raise TabmlError("tabml monitor: pass --current or --current-log, not both")
    model = None
    if current_log is not None:
        log = read_request_log(current_log)
        data = from_request_log(log, str(current_log), params.data.target)
    else:
        path = current or latest_batch(paths.INCOMING)
        frame = io.read_csv(path, params.data.na_values, contract.read_dtypes())
        data = from_batch(frame, str(path), params.data.target)
        model = io.load_model(paths.MODEL)
    result = detect_drift(
        load_reference(),
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


def write_batches(
    params: Params,
    out: Path,
    *,
    count: int,
    shifts: list[str],
    shift_from: int,
    seed: int,
    start: str,
    every_days: int,
    all_rows: bool,
) -> tuple[int, int]:
    """Write held-out raw rows (or all of them) as dated batch CSVs in the raw format, shifted
    from batch `shift_from` on; returns how many files and the rows drawn from."""
    from tabml.monitor.batches import held_out_rows, make_batches, parse_date, parse_shift

    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    if not all_rows:
        test_ids = io.read_parquet(paths.TEST)["row_id"]
        raw = held_out_rows(raw, test_ids, params.data.id_column)
    written = make_batches(
        raw,
        count=count,
        seed=seed,
        start=parse_date(start),
        every_days=every_days,
        shifts=[parse_shift(text, contract) for text in shifts],
        contract=contract,
        shift_from=shift_from,
    )
    for name, frame in written.items():
        io.write_bytes(out / f"{name}.csv", io.to_raw_csv(frame, params.data.na_values))
    return len(written), len(raw)


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
