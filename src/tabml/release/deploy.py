"""Record a deployment of a model version with GitHub's Deployments API.

A deployment is created before the deploy step runs (state `in_progress`) and gets a final
status after it, so a failed smoke test is recorded as a failed deployment, not as nothing.
"""

from __future__ import annotations

from typing import Any

from tabml.errors import TabmlError
from tabml.platform import actions, github

# `job.status` of the workflow -> the deployment state GitHub accepts
JOB_STATES = {"success": "success", "failure": "failure", "cancelled": "error"}
STATES = frozenset({"error", "failure", "inactive", "in_progress", "queued", "pending", "success"})


def create_deployment(
    repository: str, ref: str, environment: str, version: str, image: str | None = None
) -> dict[str, Any]:
    """Create a deployment of `ref` to `environment` and mark it in progress."""
    deployment: dict[str, Any] = github.request(
        "POST",
        f"/repos/{repository}/deployments",
        {
            "ref": ref,
            "environment": environment,
            "task": "deploy",
            "auto_merge": False,
            "required_contexts": [],
            "description": f"model {version}"[:140],
            "production_environment": environment == "prod",
            "payload": {"version": version, "image": image},
        },
    )
    if "id" not in deployment:
        raise TabmlError(
            f"GitHub API POST /repos/{repository}/deployments: no deployment created "
            f"({deployment.get('message', 'no message')})"
        )
    set_status(repository, int(deployment["id"]), "in_progress", f"deploying model {version}")
    return deployment


def set_status(
    repository: str,
    deployment_id: int,
    state: str,
    description: str = "",
    environment_url: str | None = None,
) -> dict[str, Any]:
    """Add a status to a deployment; `state` may also be a job status (success, failure...)."""
    state = JOB_STATES.get(state, state)
    if state not in STATES:
        raise TabmlError(f"deployment state '{state}' is not one of {', '.join(sorted(STATES))}")
    body: dict[str, Any] = {"state": state, "description": description[:140]}
    log_url = actions.run_url()
    if log_url:
        body["log_url"] = log_url
    if environment_url:
        body["environment_url"] = environment_url
    status: dict[str, Any] = github.request(
        "POST", f"/repos/{repository}/deployments/{deployment_id}/statuses", body
    )
    return status
