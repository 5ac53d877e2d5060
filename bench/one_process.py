"""The one-process floor: the whole pipeline's stage functions in a single Python process.

Run it from a project directory (params.yaml, the raw CSV and its contract): it writes the same
outputs as `dvc repro` (through `tabml.io`) and prints one JSON line with the wall-clock and CPU
seconds spent on imports and on work. `bench/pipeline.py` runs it as a subprocess, so interpreter
start-up and imports count here exactly as they do in each `tabml` command.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

START = time.perf_counter(), time.process_time()

from tabml import io, paths  # noqa: E402  (imports are part of what we measure)
from tabml.cli import write_evaluation  # noqa: E402
from tabml.config import load_params  # noqa: E402
from tabml.contract import load_contract  # noqa: E402
from tabml.stages.evaluate import evaluate  # noqa: E402
from tabml.stages.featurize import featurize  # noqa: E402
from tabml.stages.prepare import prepare  # noqa: E402
from tabml.stages.train import train  # noqa: E402

IMPORTED = time.perf_counter(), time.process_time()


def run_pipeline(params_file: Path) -> None:
    """prepare -> featurize -> train -> evaluate, writing every output the DVC stages write."""
    params = load_params(params_file)
    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    train_split, test_split = prepare(
        raw, contract, params.data, params.split, str(params.data.path)
    )
    io.write_parquet(paths.TRAIN, train_split)
    io.write_parquet(paths.TEST, test_split)

    featurizer, features = featurize(train_split, params.data, params.featurize)
    io.save_model(paths.FEATURIZER, featurizer)
    io.write_parquet(paths.TRAIN_FEATURES, features)

    model = train(features, params.data.target, featurizer, params.train)
    io.save_model(paths.MODEL, model)

    result = evaluate(model, test_split, params.data, params.evaluate, params.train.seed)
    write_evaluation(result)


def main() -> None:
    """Run the pipeline on params.yaml (or the file given as the only argument); print timings."""
    run_pipeline(Path(sys.argv[1]) if len(sys.argv) > 1 else paths.PARAMS)
    done = time.perf_counter(), time.process_time()
    timings = {
        "imports": {"wall": IMPORTED[0] - START[0], "cpu": IMPORTED[1] - START[1]},
        "work": {"wall": done[0] - IMPORTED[0], "cpu": done[1] - IMPORTED[1]},
    }
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
