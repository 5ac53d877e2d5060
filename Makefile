# One vocabulary for people, hooks, .ci/run and the GitHub workflows. `make help` lists it.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# uv from PATH when present, else a private copy in .tools/ (installed from PyPI by `make setup`).
UV_VERSION := 0.13.9
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
STAMP := $(VENV)/.synced
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export UV_PROJECT_ENVIRONMENT := $(VENV)
# DVC's own usage analytics are off in .dvc/config too; this covers `dvc` run outside the repo.
export DVC_NO_ANALYTICS := 1

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): uv.lock pyproject.toml | $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

.PHONY: setup
setup: $(STAMP) ## Create .venv from uv.lock (installs uv first if it is missing)

.PHONY: run
run: $(STAMP) ## Reproduce the pipeline on the bundled data (dvc repro)
	dvc repro

.PHONY: repro
repro: run ## Same as `make run`

.PHONY: test
test: lint ## Lint, type-check, then the default test suite (the README's test command)
	pytest

.PHONY: test-slow
test-slow: $(STAMP) ## Slow tests: full-data dvc repro, determinism, workflows under act
	pytest -m slow

.PHONY: lint
lint: $(STAMP) ## ruff (lint and format check) and mypy
	ruff check .
	ruff format --check .
	mypy

.PHONY: format
format: $(STAMP) ## Format and auto-fix with ruff
	ruff format .
	ruff check --fix .

.PHONY: bench
bench: $(STAMP) ## Benchmarks; results go to docs/performance.md
	python bench/pipeline.py --write docs/performance.md

.PHONY: dag
dag: $(STAMP) ## Print the pipeline graph as mermaid (for the README)
	dvc dag --md

.PHONY: clean
clean: ## Remove caches and pipeline outputs (not the raw data)
	rm -rf .mypy_cache .ruff_cache .pytest_cache data/prepared data/features models
