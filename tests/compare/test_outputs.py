"""`tabml report gate` reads the gate that `tabml report` recorded, or says why it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tabml.compare.outputs import read_gate
from tabml.errors import TabmlError


def _report(tmp_path: Path, payload: object) -> Path:
    (tmp_path / "report.json").write_text(json.dumps(payload), encoding="utf-8")
    return tmp_path


def test_the_recorded_gate_is_read_back(tmp_path: Path) -> None:
    checks = [{"rule": "roc_auc beats the trivial baseline", "passed": False}]
    outcome = read_gate(_report(tmp_path, {"checks": checks, "passed": False}))
    assert outcome.checks == checks
    assert outcome.passed is False


@pytest.mark.parametrize(
    "payload",
    [{"passed": True}, {"checks": [], "passed": "yes"}, {"checks": {}, "passed": True}, []],
    ids=["no-checks", "passed-not-bool", "checks-not-list", "not-an-object"],
)
def test_a_report_without_a_gate_is_one_sentence(tmp_path: Path, payload: object) -> None:
    with pytest.raises(TabmlError, match=r"report\.json: no gate result") as error:
        read_gate(_report(tmp_path, payload))
    assert "\n" not in str(error.value)


def test_a_missing_report_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match=r"report\.json: file not found"):
        read_gate(tmp_path)
