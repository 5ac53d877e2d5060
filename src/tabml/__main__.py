"""Allow ``python -m tabml``."""

from tabml.cli import app

app()
