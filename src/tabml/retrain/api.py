"""The thin layer that talks to GitHub: open or update one PR or issue, dispatch a workflow."""

from __future__ import annotations

from typing import Any

from tabml.platform import github
from tabml.retrain import upsert
from tabml.retrain.decide import Decision


def publish(repo: str, decision: Decision) -> tuple[str, dict[str, Any]]:
    """Open or update the PR or issue of `decision`; return ('created'|'updated', the item)."""
    listing = upsert.search(repo, decision)
    found = github.paginate(listing.path)
    call = upsert.write(repo, decision, upsert.existing(decision, found))
    item = github.request(call.method, call.path, call.body)
    return ("created" if call.method == "POST" else "updated"), item


def dispatch(repo: str, workflow: str, ref: str) -> None:
    """Start a `workflow_dispatch` run of `workflow` on `ref` (needs `actions: write`)."""
    github.request("POST", f"/repos/{repo}/actions/workflows/{workflow}/dispatches", {"ref": ref})
