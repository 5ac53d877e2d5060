"""Pipeline stages: pure functions from frames and params to frames, models and metrics."""
