"""Releases: GTO tags, release assets with a model card, GitHub Releases and deployments.

`tags` reads GTO's tag grammar, `preflight` refuses to tag what should not ship, `registry`
wraps `gto register` / `gto assign`, `card` and `assets` build what a release holds, `github`
publishes it and records deployments, `smoke` checks a running server. See docs/release.md.
"""
