"""Scaffolding a new project from this template: `tabml init` (`make init NAME=...`).

`plan` holds the pure decisions (names, remotes, replacements, the plan); `project` applies them
to a git work tree, relocks, reproduces and commits once. `tabml adopt` (`make adopt DATA=...
TARGET=...`) points the project at the user's own table: `adopt_task` decides from the table,
`adopt_params` edits params.yaml as text, `adopt` writes and reproduces. Not imported by any
pipeline command.
"""
