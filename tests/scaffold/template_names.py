"""The names the `make init` tests rename from and to: this repository's own package, a small
template's (`demoml`) and the new one, and a CI badge pointing at the template's repository."""

from __future__ import annotations

from tabml.scaffold.project import current_package
from tests.support import ROOT

CURRENT = current_package(ROOT)
OLD, NEW = "demoml", "churn_model"
UPSTREAM = "upstream/demoml"
BADGE = (
    f"[![CI](https://github.com/{UPSTREAM}/actions/workflows/ci.yml/badge.svg)]"
    f"(https://github.com/{UPSTREAM}/actions/workflows/ci.yml)"
)
