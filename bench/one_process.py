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

from tabml import paths  # noqa: E402  (imports are part of what we measure)
from tabml.config import load_params  # noqa: E402

# Every stage module up front: their imports count as imports, not as work.
from tabml.stages import evaluate, featurize, prepare, run, train  # noqa: E402, F401

IMPORTED = time.perf_counter(), time.process_time()


def run_pipeline(params_file: Path) -> None:
    """prepare -> featurize -> train -> evaluate, writing every output the DVC stages write."""
    params = load_params(params_file)
    split = run.run_prepare(params)
    featurizer, features = run.run_featurize(params, split.train)
    model = run.run_train(params, features, featurizer)
    run.run_evaluate(params, model, split.test, train=split.train)


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
