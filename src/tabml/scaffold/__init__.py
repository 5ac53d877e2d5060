"""Scaffolding a new project from this template: `tabml init` (`make init NAME=...`).

`plan` holds the pure decisions (names, remotes, replacements, the plan); `project` applies them
to a git work tree, relocks, reproduces and commits once. Not imported by any pipeline command.
"""
