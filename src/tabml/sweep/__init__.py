"""Experiment sweeps: a grid or random search over params, run with DVC's queue or a CI matrix.

`spec` reads and expands a sweep file, `expshow` parses `dvc exp show --json`, `table` ranks the
results with bootstrap intervals against a baseline, `local` drives DVC's queue and `matrix` the
GitHub Actions fan-out (docs/sweeps.md).
"""
