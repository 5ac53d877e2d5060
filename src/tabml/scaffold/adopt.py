"""`tabml adopt` (`make adopt DATA=table.csv TARGET=col [TASK=...]`): bring your own table.

Everything is decided and checked before anything is written, so bad input (a missing file, an
unknown target column, a target with one value, a task the target cannot have) changes nothing.
Then the table is placed under data/raw/ (the pipeline never writes there), a contract is drafted
next to it, the `data` section of params.yaml is written with its comments kept, `retrain` points
at the new table, metric keys of another task and gate floors go back to the data-agnostic
defaults, and `dvc repro` runs. Nothing is committed: the user reviews first (`checklist`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from tabml import io
from tabml.config import parse_params
from tabml.contract import MARGIN, dump_contract
from tabml.errors import TabmlError, shown
from tabml.platform import tools
from tabml.scaffold.adopt_params import edit_params, render
from tabml.scaffold.adopt_task import Guess, guess_task, id_like, table_contract, task_resets

RAW = Path("data/raw")
PARAMS = Path("params.yaml")


@dataclass(frozen=True)
class Adopted:
    """What `adopt_table` decided and wrote, for the summary and the review list."""

    guess: Guess
    table: Path  # relative to the project root, like every path here
    contract: Path
    contract_kept: bool
    copied: bool
    id_column: str | None
    dropped: list[str]
    changes: dict[str, object]
    resets: dict[str, object] = field(default_factory=dict)
    reproduced: bool = False


SKLEARN_MAX_ITER = 100  # HistGradientBoosting's default number of iterations


def _read_params(root: Path) -> tuple[str, dict[str, Any]]:
    path = root / PARAMS
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
    except FileNotFoundError:
        raise TabmlError(f"{PARAMS}: file not found; run tabml adopt in the project root") from None
    except yaml.YAMLError:
        raise TabmlError(f"{PARAMS}: not valid YAML; fix it before adopting a table") from None
    if not isinstance(raw, dict):
        raise TabmlError(f"{PARAMS}: expected a mapping of sections at the top level")
    return text, raw


def _na_values(raw: dict[str, Any]) -> list[str]:
    data = raw.get("data")
    values = data.get("na_values") if isinstance(data, dict) else None
    return [str(v) for v in values] if isinstance(values, list) else ["?"]


def _placement(root: Path, data: Path) -> tuple[Path, bool]:
    """Where the table lives in the project (under data/raw/), and whether it must be copied."""
    source = data.resolve()
    raw_dir = (root / RAW).resolve()
    if source.is_relative_to(raw_dir):
        return source.relative_to(root.resolve()), False
    destination = RAW / data.name
    existing = root / destination
    if existing.exists() and existing.read_bytes() != source.read_bytes():
        raise TabmlError(
            f"{destination} already exists and differs from {data}; rename your file or move "
            "that one away"
        )
    return destination, not existing.exists()


def plan_adoption(
    root: Path, data: Path, target: str, task: str | None = None
) -> tuple[Adopted, str, str]:
    """Decide everything and check it: (what will be done, the contract YAML, the new params
    text). Reads only; every refusal is one sentence and leaves the project as it was."""
    text, raw = _read_params(root)
    frame = io.read_csv(data, _na_values(raw), {target: "str"})
    if target not in frame.columns:
        names = shown([str(c) for c in frame.columns])
        raise TabmlError(f"{data}: has no column {shown(target)} to predict (its columns: {names})")
    guess = guess_task(frame[target], target, str(data), task)
    ids = id_like(frame, target)
    contract_yaml = dump_contract(table_contract(frame, target, guess))
    table, copied = _placement(root, data)
    contract = Path("data") / f"{table.stem}.contract.yaml"
    existing = root / contract
    kept = existing.exists() and existing.read_text(encoding="utf-8") != contract_yaml
    changes: dict[str, object] = {
        "data.path": str(table),
        "data.contract": str(contract),
        "data.target": target,
        "data.task": guess.task,
        "data.positive_label": guess.positive_label,
        "data.id_column": ids[0] if ids else None,
        "data.drop": ids[1:],
        "data.groups": [],
        "retrain.base": str(table),
        "retrain.table": f"data/train/{table.name}",
        # scikit-learn's own default: the bundled 200 was tuned on Adult, and overfits small
        # tables (diabetes, 353 training rows: RMSE 59.1 against 57.0; docs/tables.md)
        "train.hist_gradient_boosting.max_iter": SKLEARN_MAX_ITER,
    }
    resets = task_resets(raw, guess.task)
    edited = edit_params(text, {**changes, **resets}, str(PARAMS))
    parse_params(yaml.safe_load(edited), str(PARAMS))
    adopted = Adopted(
        guess=guess,
        table=table,
        contract=contract,
        contract_kept=kept,
        copied=copied,
        id_column=ids[0] if ids else None,
        dropped=ids[1:],
        changes=changes,
        resets=resets,
    )
    return adopted, contract_yaml, edited


def adopt_table(
    root: Path,
    data: Path,
    target: str,
    task: str | None = None,
    *,
    repro: bool = True,
    stream: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> Adopted:
    """Adopt `data` with `target` in the project at `root`: plan, write, then `dvc repro`
    (its output shown as it runs when `stream`). Commits nothing."""
    adopted, contract_yaml, params_text = plan_adoption(root, data, target, task)
    log(f"task: {adopted.guess.task} ({adopted.guess.reason})")
    if adopted.copied:
        (root / adopted.table).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data, root / adopted.table)
        log(f"copied   {data} -> {adopted.table}")
    if adopted.contract_kept:
        log(f"kept     {adopted.contract} (yours differs from the draft; delete it to redraft)")
    else:
        (root / adopted.contract).write_text(contract_yaml, encoding="utf-8")
        log(f"drafted  {adopted.contract} (ranges widened by {MARGIN:.0%} of their width)")
    (root / PARAMS).write_text(params_text, encoding="utf-8")
    for key, value in {**adopted.changes, **adopted.resets}.items():
        log(f"set      {key}: {render(value)}")
    if not repro:
        return adopted
    log("dvc repro")
    done = tools.run(tools.dvc_command("repro"), cwd=root, env=tools.tool_env(), capture=not stream)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout or b"").decode(errors="replace").strip().splitlines()
        last = f": {lines[-1].strip()}" if lines else ""
        raise TabmlError(
            f"dvc repro failed (exit {done.returncode}){last}; {PARAMS}, {adopted.contract} and "
            f"{adopted.table} are written: fix what it says, then run make run"
        )
    return replace(adopted, reproduced=True)


def checklist(adopted: Adopted) -> list[str]:
    """What a person must review before committing: the guesses, made from the data alone."""
    guess = adopted.guess
    if guess.task == "binary":
        label = f"positive label {guess.positive_label!r} of {list(guess.classes)}"
    elif guess.task == "multiclass":
        label = f"{len(guess.classes)} classes {list(guess.classes)}"
    else:
        label = "a number to predict"
    ids = f"data.id_column {render(adopted.id_column)}, data.drop {render(adopted.dropped)}"
    return [
        f"The task: {guess.task}, {label}. Another? Adopt again with TASK=<task>.",
        f"{adopted.contract}: ranges are the observed ones widened by {MARGIN:.0%} of their width "
        "(never below 0 for columns with no negative value): tighten them to what is possible, "
        "mark columns that may be missing nullable, and check the categories (a column with "
        "more than 50 values accepts any text).",
        f"{ids}: add columns that leak the target or must never be used (dates, free text).",
        "data.groups is empty: name the columns whose slices the report shows (governance).",
        "report.gate: no floors (the gate is: beat the trivial baseline, and no significant "
        "regression against the base); add the floors your use case needs.",
        "reports/metrics.json against reports/baseline.json: the model should beat the baseline.",
        "monitor.min_rows and docs/model-card.yaml: fit them to your table and its story.",
        f"Then commit: git add {adopted.table} {adopted.contract} {PARAMS} dvc.lock reports "
        f"(or `dvc add {adopted.table}` when the table is large).",
    ]
