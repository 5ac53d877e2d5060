"""The PR report's files: written by `tabml report`, read back by `tabml report gate`.

`report.md` (also the job summary), `report.json` (the gate's record), `report-data.json` (what
the comment job renders, after its checks) and, for a PR, the manifest that ties the data to the
PR's commits. The comparison's code is imported by `write_report` only, so the gate stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabml import io, paths
from tabml.errors import TabmlError

if TYPE_CHECKING:
    from tabml.config import Params

SUMMARY_LIMIT = 1_000_000  # GitHub keeps 1 MiB of job summary per step
Status = Callable[[str], AbstractContextManager[Any]]


def _silent(_: str) -> AbstractContextManager[Any]:
    return nullcontext()


@dataclass(frozen=True)
class Written:
    """Where the report went and its verdict line."""

    report_md: Path
    headline: str


def write_report(
    params: Params,
    base: str,
    out_dir: Path,
    *,
    pr: int | None = None,
    full_report_url: str | None = None,
    status: Status = _silent,
) -> Written:
    """Compare the reproduced workspace with the merge-base of `base`; write the report files,
    the manifest when `pr` is given, and the job summary."""
    from tabml.compare import manifest
    from tabml.compare.render import render_data
    from tabml.compare.report import compare
    from tabml.compare.summary import from_comparison, summary
    from tabml.platform import actions, git
    from tabml.stages.validate import stamp_warnings

    if full_report_url is None:
        full_report_url = actions.run_url()  # its job summary and artifact hold it all
    with status(f"comparing with the merge-base of {base}"):
        comparison = compare(params, base)
    data = from_comparison(comparison, stamp_warnings())  # e.g. an entirely missing column
    markdown = render_data(data, comparison.passed, full_report_url, limit=SUMMARY_LIMIT)
    report_md = out_dir / paths.PR_REPORT_MD.name
    io.write_bytes(report_md, markdown.encode())
    io.write_json(out_dir / paths.PR_REPORT_JSON.name, summary(comparison))
    data_file = out_dir / manifest.DATA_FILE
    io.write_bytes(data_file, data.model_dump_json().encode())
    if pr is not None:
        record = manifest.describe(data_file, pr, git.rev_parse("HEAD"), comparison.base.sha)
        manifest.write(out_dir / paths.PR_MANIFEST.name, record)
    actions.append_summary(markdown)
    return Written(report_md, markdown.splitlines()[2])


@dataclass(frozen=True)
class GateOutcome:
    """The last report's gate: each rule's outcome and the verdict."""

    path: Path
    checks: list[dict[str, Any]]
    passed: bool

    def raise_if_failed(self) -> None:
        """One sentence naming the report, when the gate failed."""
        if not self.passed:
            raise TabmlError(f"{self.path}: the quality gate failed")


def read_gate(out_dir: Path) -> GateOutcome:
    """The gate recorded in `out_dir`'s report.json by the last `tabml report`."""
    path = out_dir / paths.PR_REPORT_JSON.name
    result = io.read_json(path)
    checks = result.get("checks") if isinstance(result, dict) else None
    passed = result.get("passed") if isinstance(result, dict) else None
    if not isinstance(checks, list) or not isinstance(passed, bool):
        raise TabmlError(f"{path}: no gate result (checks, passed); run `make report` again")
    return GateOutcome(path, checks, passed)
