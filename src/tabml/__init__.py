"""tabml: a reproducible tabular ML pipeline."""
