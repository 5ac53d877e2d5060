"""The outside world: git, the GitHub REST API and the GitHub Actions runner's environment.

Every room that spawns git, calls GitHub or writes a step output goes through these three
modules, so the token, the headers, pagination and the one-sentence errors live in one place.
This package imports nothing of tabml's but `tabml.errors`.
"""
