"""Stage 0: check params, contract and raw data before any stage can delete an output.

`dvc repro` deletes a stage's outputs before it runs the stage's command, so a command that
rejects its input has already destroyed the last good output (a bad `evaluate.threshold` used to
empty `reports/`). This stage runs first: `prepare` depends on its stamp, and every other stage on
`prepare`. It tracks the whole params file, the contract and the raw table, so any change to them
reruns it, and bad input stops the pipeline here, with every other output as it was.

The stamp holds facts about the data only, never a param outside `data`, so a valid change such as
`evaluate.threshold` rewrites it byte for byte and DVC still skips prepare, featurize and train.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabml.paths import VALIDATED

if TYPE_CHECKING:  # the PR report reads the stamp's warnings without pandas or pandera
    import pandas as pd

    from tabml.config import Params
    from tabml.contract import Contract


def validate_inputs(
    raw: pd.DataFrame,
    contract: Contract,
    params: Params,
    source: str,
    params_file: str = "params.yaml",
) -> dict[str, Any]:
    """Run every check of the pipeline's inputs; return the stamp (rows, columns, warnings).

    Params are already validated (`load_params`); `raw` is coerced in place, not copied.
    """
    from tabml.stages.prepare import check_all, empty_warning

    empty = check_all(raw, contract, params.data, params.split, source, params_file=params_file)
    return {
        "source": source,
        "rows": len(raw),
        "columns": raw.shape[1],
        "empty_columns": empty,
        "warnings": [empty_warning(empty, source)] if empty else [],
    }


def stamp_warnings(path: Path = VALIDATED) -> tuple[str, ...]:
    """The data warnings of the last `validate` run, for the PR report; none without a stamp."""
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    warnings = stamp.get("warnings") if isinstance(stamp, dict) else None
    return tuple(str(w) for w in warnings) if isinstance(warnings, list) else ()
