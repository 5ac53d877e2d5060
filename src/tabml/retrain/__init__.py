"""Continuous training (docs/continuous-training.md); the paths are in `tabml.paths`.

Pure functions decide (`table`, `params_edit`, `decide`, `upsert`); thin layers act on git
(`branch`) and on the GitHub REST API (`api`).
"""

RETRAIN_WORKFLOW = "retrain.yml"
# Hidden markers in bodies: how a later run finds the issue or PR it opened, among others.
RETRAIN_PR_MARKER = "<!-- tabml:retrain-pr -->"
RETRAIN_ISSUE_MARKER = "<!-- tabml:retrain-issue -->"
