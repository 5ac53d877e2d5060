"""Continuous training and the GitHub side of monitoring (docs/continuous-training.md).

Pure functions decide (`table`, `params_edit`, `decide`, `drift_issue`, `upsert`); thin layers act
on git (`branch`) and on the GitHub REST API (`api`).
"""

from pathlib import Path

RUN_DIR = Path("reports/pr")  # git-ignored; the same place as the PR report
BUILD_JSON = RUN_DIR / "retrain-build.json"
DECISION_JSON = RUN_DIR / "retrain-decision.json"
REPORT_MD = RUN_DIR / "report.md"
REPORT_JSON = RUN_DIR / "report.json"
RETRAIN_WORKFLOW = "retrain.yml"
DRIFT_LABEL = "drift"
# Hidden markers in bodies: how a later run finds the issue or PR it opened, among others.
RETRAIN_PR_MARKER = "<!-- tabml:retrain-pr -->"
RETRAIN_ISSUE_MARKER = "<!-- tabml:retrain-issue -->"
DRIFT_ISSUE_MARKER = "<!-- tabml:drift-issue -->"
