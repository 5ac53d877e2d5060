"""The body of the one `drift` issue: the drift report and a link to dispatch a retrain."""

from __future__ import annotations

from typing import Any

from tabml.monitor import DRIFT_ISSUE_MARKER, DRIFT_LABEL
from tabml.retrain import RETRAIN_WORKFLOW
from tabml.retrain.decide import Decision, fit_body


def dispatch_page(server: str, repo: str, workflow: str = RETRAIN_WORKFLOW) -> str:
    """The workflow's page, where **Run workflow** dispatches it."""
    return f"{server.rstrip('/')}/{repo}/actions/workflows/{workflow}"


def drift_decision(
    drift: dict[str, Any],
    markdown: str,
    *,
    server: str,
    repo: str,
    dispatched: bool = False,
    run_url: str | None = None,
) -> Decision:
    """One issue when the report says drift, else nothing."""
    if not drift["drift"]:
        return Decision("none", "no drift: every check is within its threshold")
    source = drift["current"]["source"]
    alerts = len(drift["alerts"])
    page = dispatch_page(server, repo)
    retrain = (
        f"A retrain run was requested ([{RETRAIN_WORKFLOW}]({page})): it opens a pull request "
        "when the retrained model passes the quality gate, or an issue labelled `retrain`."
        if dispatched
        else f"To retrain on the incoming data, run the [{RETRAIN_WORKFLOW}]({page}) workflow "
        "(**Run workflow**), or set the repository variable `RETRAIN_ON_DRIFT` to `true` to "
        "dispatch it automatically."
    )
    run = f" Latest check: [workflow run]({run_url})." if run_url else ""
    body = (
        f"{DRIFT_ISSUE_MARKER}\nThe monitor found drift in `{source}` ({alerts} alerts). "
        f"This issue is updated by each drifting run rather than duplicated.{run}\n\n"
        f"{retrain}\n\n{markdown}"
    )
    return Decision(
        "issue",
        f"drift: {alerts} alerts",
        title=f"Data drift detected in {source}",
        body=fit_body(body),
        marker=DRIFT_ISSUE_MARKER,
        labels=[DRIFT_LABEL],
    )
