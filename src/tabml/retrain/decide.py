"""What a retrain run asks GitHub for: nothing, a pull request, or one issue. Pure functions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from tabml.compare.render import GITHUB_COMMENT_LIMIT
from tabml.retrain import RETRAIN_ISSUE_MARKER, RETRAIN_PR_MARKER

Kind = Literal["none", "pull", "issue"]
ISSUE_TITLE = "Retrain blocked: the retrained model failed the quality gate"


@dataclass(frozen=True)
class Decision:
    """A pull request (`head` into `base`), an issue (`labels`), or nothing (`reason` says why)."""

    kind: Kind
    reason: str
    title: str = ""
    body: str = ""
    marker: str = ""
    head: str = ""
    base: str = ""
    labels: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain data for retrain-decision.json."""
        return asdict(self)


def fit_body(body: str, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """GitHub refuses bodies over 65,536 characters: cut with a note."""
    note = "\n\n> Cut to fit GitHub's limit; the full report is in the workflow run's artifact.\n"
    return body if len(body) <= limit else body[: limit - len(note)] + note


def data_summary(build: dict[str, Any]) -> str:
    """A markdown paragraph and table: what the new training table is made of."""
    batches = build.get("batches", [])
    new = set(build.get("new_batches", []))
    base = build.get("base")
    lines = [
        f"Training table `{build['table']}`: {build['rows']:,} rows, mode `{build['mode']}`"
        + (f", base `{base['path']}` ({base['rows']:,} rows)" if base else ", no base table")
        + f", {len(batches)} batches ({len(new)} new since `{build['main']}`).",
        "",
        "| batch | rows | appended | refreshed | new |",
        "|---|--:|--:|--:|---|",
    ]
    lines += [
        f"| `{b['path']}` | {b['rows']:,} | {b['appended']:,} | {b['refreshed']:,} | "
        f"{'yes' if b['path'] in new else ''} |"
        for b in batches
    ]
    return "\n".join(lines)


def _headline(report: dict[str, Any]) -> str:
    name = str(report["headline"])
    delta = next((d for d in report["deltas"] if d["metric"] == name), None)
    if delta is None:
        return name
    return f"{name} {delta['base']:.4f} → {delta['pr']:.4f}"


def decide(
    build: dict[str, Any],
    report: dict[str, Any] | None,
    report_markdown: str | None,
    label: str,
    run_url: str | None = None,
) -> Decision:
    """Nothing without new data; a PR when the gate passed; else one issue saying why."""
    if not build["changed"]:
        return Decision("none", f"nothing to retrain: {build['reason']}")
    if report is None or report_markdown is None:
        raise ValueError("a changed build needs the report")
    run = f"\n\n<sub>[workflow run]({run_url})</sub>" if run_url else ""
    data = data_summary(build)
    last = build["batches"][-1]["path"].rsplit("/", 1)[-1].removesuffix(".csv")
    if report["passed"]:
        title = f"Retrain on data through {last}: {_headline(report)}"
        body = (
            f"{RETRAIN_PR_MARKER}\nAutomated retrain: the model trained on new data passed the "
            f"quality gate against `{build['main']}`. Merge to make it the new baseline.\n\n"
            f"{data}{run}\n\n{report_markdown}"
        )
        return Decision(
            "pull",
            "the quality gate passed",
            title=title,
            body=fit_body(body),
            marker=RETRAIN_PR_MARKER,
            head=build["branch"],
            base=build["main"],
        )
    failed = [c for c in report["checks"] if not c["passed"]]
    why = "\n".join(f"- **{c['rule']}**: {c['detail']}" for c in failed)
    body = (
        f"{RETRAIN_ISSUE_MARKER}\nThe model retrained on data through `{last}` failed the quality "
        f"gate against `{build['main']}` ({_headline(report)}), so no pull request was opened. "
        f"Failed rules:\n\n{why}\n\n{data}\n\nLook at the new batches (label errors, a shift: "
        "see the `drift` issue, if any), fix or remove them, and run the retrain workflow again. "
        f"This issue is updated by each failing run and left as is by a passing one.{run}\n\n"
        f"{report_markdown}"
    )
    return Decision(
        "issue",
        f"the quality gate failed ({len(failed)} of {len(report['checks'])} rules)",
        title=ISSUE_TITLE,
        body=fit_body(body),
        marker=RETRAIN_ISSUE_MARKER,
        labels=[label],
    )
