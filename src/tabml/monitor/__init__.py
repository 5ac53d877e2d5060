"""Continuous monitoring: drift between the reference (training data, test-set scores) and the
current data (an incoming batch or the serving app's request log). See docs/monitoring.md."""

from pathlib import Path

INCOMING = Path("data/incoming")
DRIFT_JSON = Path("reports/drift/drift.json")
DRIFT_MARKDOWN = Path("reports/drift/drift.md")
# `tabml monitor` exit codes: 0 no drift, 1 a user error (bad params or input), 3 drift.
DRIFT_EXIT_CODE = 3
