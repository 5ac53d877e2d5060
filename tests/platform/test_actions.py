"""The Actions runner's environment: run URL, job summary and step outputs, in tmp files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tabml.errors import TabmlError
from tabml.platform import actions

RUN_VARIABLES = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")


def read_outputs(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file the way the runner does (`k=v` and `k<<DELIM` blocks)."""
    values: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        block = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if block:
            body = []
            for inner in lines:
                if inner == block.group(2):
                    break
                body.append(inner)
            values[block.group(1)] = "\n".join(body)
        else:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def test_run_url_needs_all_three_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in RUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert actions.run_url() is None
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/demo")
    assert actions.run_url() is None
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    assert actions.run_url() == "https://github.com/acme/demo/actions/runs/42"


def test_server_url_defaults_to_github(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_SERVER_URL", raising=False)
    assert actions.server_url() == "https://github.com"
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://ghe.example.com/")
    assert actions.server_url() == "https://ghe.example.com"


def test_summary_is_appended_and_skipped_outside_a_workflow(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert actions.append_summary("# lost\n") is False
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert actions.append_summary("# Report ✓\n") is True
    assert summary.read_text(encoding="utf-8") == "earlier step\n# Report ✓\n"


def test_outputs_are_appended_and_multi_line_values_survive(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs"
    outputs.write_text("earlier=1\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    injected = "line one\nevil=injected\nEOF"
    assert actions.set_outputs({"number": "7", "body": injected, "empty": ""}) is True
    text = outputs.read_text(encoding="utf-8")
    assert text.startswith("earlier=1\nnumber=7\nbody<<ghadelimiter_")
    assert read_outputs(text) == {"earlier": "1", "number": "7", "body": injected, "empty": ""}


def test_outputs_outside_a_workflow_do_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    assert actions.set_outputs({"a": "b"}) is False


@pytest.mark.parametrize("key", ["", "a=b", "a<<b", "a\nb"])
def test_an_output_name_that_would_corrupt_the_file_is_refused(
    key: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    with pytest.raises(TabmlError, match=r"^step output name .* is empty or holds"):
        actions.set_outputs({"fine": "1", key: "x"})
    assert not outputs.exists()
