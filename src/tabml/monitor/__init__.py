"""Continuous monitoring: drift between the reference (training data, test-set outputs) and the
current data (an incoming batch or the serving app's request log), and the one `drift` issue that
reports it. See docs/monitoring.md; the paths are in `tabml.paths`."""

# `tabml monitor` exit codes: 0 no drift, 1 a user error (bad params or input), 3 drift.
DRIFT_EXIT_CODE = 3
DRIFT_LABEL = "drift"
# Hidden marker in the issue body: how a later run finds the issue it opened.
DRIFT_ISSUE_MARKER = "<!-- tabml:drift-issue -->"
