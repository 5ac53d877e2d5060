"""How often the drift monitor alarms, at the thresholds in params.yaml: on random batches of
held-out rows (any alarm is a false alarm) and on the same batches with a shift (power).

Run it from a reproduced project (`make run`: data/prepared, models/model.skops, reports/):

    .venv/bin/python bench/drift_calibration.py --repeats 100 --sizes 200 500 2000 --shift age=+5

It prints a markdown table of alarm rates and which alerts fired; docs/monitoring.md quotes it.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from tabml import io, paths
from tabml.config import load_params
from tabml.contract import load_contract
from tabml.monitor.batches import held_out_rows, parse_shift, shift_frame
from tabml.monitor.current import from_batch
from tabml.monitor.drift import detect_drift, load_reference


def alert_kind(alert: str) -> str:
    """The alert without its numbers, e.g. "column 'age' drifted" or "f1"."""
    for marker in (":", " has ", " missing-value", " fell"):
        alert = alert.split(marker, maxsplit=1)[0]
    return alert


def main() -> None:
    """Measure alarm rates and print them as a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 2000])
    parser.add_argument("--shift", action="append", default=[], help="e.g. age=+5 (repeatable)")
    parser.add_argument("--seed", type=int, default=123)
    args = parser.parse_args()

    params = load_params(paths.PARAMS)
    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    held = held_out_rows(raw, io.read_parquet(paths.TEST)["row_id"], params.data.id_column)
    reference = load_reference(params.data, contract)
    model = io.load_model(paths.MODEL)
    rng = np.random.default_rng(args.seed)

    print("| batch rows | shift | batches with an alarm | alerts that fired |")
    print("|--:|---|--:|---|")
    for size in args.sizes:
        for shift in ["", *args.shift]:
            alarms, kinds = 0, Counter[str]()
            for _ in range(args.repeats):
                rows = np.sort(rng.choice(len(held), size, replace=False))
                batch = held.iloc[rows].reset_index(drop=True)
                if shift:
                    batch = shift_frame(batch, [parse_shift(shift, contract)], contract)
                report = detect_drift(
                    reference,
                    from_batch(batch, "batch", params.data.target),
                    contract=contract,
                    data=params.data,
                    params=params.monitor.model_copy(update={"min_rows": 1}),
                    threshold=params.evaluate.threshold,
                    model=model,
                )
                alarms += report["drift"]
                kinds.update(alert_kind(alert) for alert in report["alerts"])
            fired = ", ".join(f"{kind} ({count})" for kind, count in kinds.most_common()) or "-"
            print(f"| {size} | {shift or 'none'} | {alarms}/{args.repeats} | {fired} |")


if __name__ == "__main__":
    main()
