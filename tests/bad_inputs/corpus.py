"""What every bad-input case shares: the good project it starts from (240 customers, their
contract and fast params), file digests to prove nothing changed, the one-sentence rule its
message must follow, and its id."""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path
from typing import Protocol

import yaml

CSV, CONTRACT, PARAMS = "data/raw/customers.csv", "data/contract.yaml", "params.yaml"
MODEL = "models/model.skops"


class Case(Protocol):
    """A CLI or an HTTP case: each has a name, which its test id is made of."""

    @property
    def id(self) -> str: ...


def write_project(root: Path) -> None:
    """240 customers, their contract and fast params (an id column, a group, native trees)."""
    rng, rows = random.Random(7), ["customer_id,age,balance,plan,region,churned"]
    for i in range(1, 241):
        age, plan = rng.randint(18, 90), rng.choice(["basic", "plus", "pro"])
        region = rng.choice(["north", "south", "east", "west", ""])
        churn = rng.random() < 0.2 + 0.4 * (plan == "basic") + 0.2 * (age < 30)
        rows.append(f"{i},{age},{rng.uniform(0, 5000):.2f},{plan},{region},{('no', 'yes')[churn]}")
    (root / "data/raw").mkdir(parents=True)
    (root / CSV).write_text("\n".join(rows) + "\n")
    category = {"type": "category", "categories": ["basic", "plus", "pro"]}
    columns = {
        "customer_id": {"type": "integer", "min": 1},
        "age": {"type": "integer", "min": 18, "max": 120},
        "balance": {"type": "number", "min": 0},
        "plan": category,
        "region": {**category, "nullable": True, "categories": ["east", "north", "south", "west"]},
        "churned": {**category, "categories": ["no", "yes"]},
    }
    (root / CONTRACT).write_text(yaml.safe_dump({"columns": columns}, sort_keys=False))
    data = {"path": CSV, "contract": CONTRACT, "target": "churned", "positive_label": "yes"}
    params = {
        "data": {**data, "id_column": "customer_id", "groups": ["region"]},
        "split": {"test_size": 0.2, "seed": 3},  # dvc.yaml's params must all be in the file
        "featurize": {"categorical": "native"},
        "train": {"seed": 3, "hist_gradient_boosting": {"max_iter": 20}},
        "evaluate": {"importance_repeats": 1, "importance_max_rows": 100},
        "serve": {"max_batch": 5, "max_body_bytes": 20_000},
    }
    (root / PARAMS).write_text(yaml.safe_dump(params, sort_keys=False))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(root: Path, under: tuple[str, ...] = ("",)) -> dict[str, str]:
    """SHA-256 of every file below `root` whose relative path starts with one of `under`."""
    named = ((str(p.relative_to(root)), p) for p in sorted(root.rglob("*")) if p.is_file())
    return {key: sha256(path) for key, path in named if key.startswith(under)}


def assert_one_sentence(output: str, pattern: str) -> None:
    """Exactly one line, `error: <message>`, the message at most 300 characters and matching."""
    assert "Traceback" not in output, output[-3000:]
    [line] = output.strip().splitlines() or [""]
    message = line.removeprefix("error: ")
    assert line.startswith("error: ") and len(message) <= 300, line[:400]
    assert re.search(pattern, message), message


def case_id(case: Case) -> str:
    return case.id.replace(" ", "-")
