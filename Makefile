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

##@ Setup, pipeline and checks

# `##@ Title` lines head the sections of `make help`; `target: ... ## text` lines are listed under
# the section above them, aligned to the longest target name (colour only on a terminal).
.PHONY: help
help: ## List the targets by section
	@if [ -t 1 ] && [ -z "$${NO_COLOR:-}" ]; then c=1; else c=0; fi; \
	awk -v colour="$$c" 'BEGIN {FS = ":.*## "} \
	  /^##@ / {n++; title[n] = substr($$0, 5); next} \
	  /^[a-zA-Z0-9_.-]+:.*## / {n++; name[n] = $$1; text[n] = $$2; \
	    if (length($$1) > width) width = length($$1)} \
	  END {on = colour ? "\033[36m" : ""; bold = colour ? "\033[1m" : ""; \
	    off = colour ? "\033[0m" : ""; \
	    for (i = 1; i <= n; i++) \
	      if (i in title) printf "%s%s%s%s\n", (i > 1 ? "\n" : ""), bold, title[i], off; \
	      else printf "  %s%-" width "s%s  %s\n", on, name[i], off, text[i]}' $(MAKEFILE_LIST)

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
# PYTHONDONTWRITEBYTECODE is emptied for the suite: with it set, every worker rewrites and compiles
# each test module's asserts anew (about 3 s of CPU per worker) and every `tabml` a test starts
# compiles the package again. The bytecode goes to __pycache__/, which git ignores.
test: lint ## Lint, type-check, then the default test suite (the README's test command)
	PYTHONDONTWRITEBYTECODE= pytest --numprocesses auto --dist loadfile

.PHONY: test-slow
test-slow: $(STAMP) ## Slow tests: full-data dvc repro, determinism, workflows under act, DVC remotes
	pytest -m slow

.PHONY: lint
lint: $(STAMP) ## ruff (lint and format check), mypy, and the import contracts (docs/design.md)
	ruff check .
	ruff format --check .
	mypy
	lint-imports --no-cache --no-logo

.PHONY: format
format: $(STAMP) ## Format and auto-fix with ruff
	ruff format .
	ruff check --fix .

##@ Pull-request report (see docs/ci.md)
BASE ?= origin/main
PR ?=
REPORT_DIR ?= reports/pr

.PHONY: report
report: run ## Reproduce, then compare with the merge-base of BASE (default origin/main)
	tabml report --base "$(BASE)" --out-dir "$(REPORT_DIR)" $(if $(PR),--pr "$(PR)")

.PHONY: gate
gate: $(STAMP) ## Fail when the last report's quality gate failed
	tabml report gate --out-dir "$(REPORT_DIR)"

##@ PR workflows: optional DVC remote, artifact check, sticky comment (see docs/ci.md)
# Values that come from a workflow (PR, REPORT, ARTIFACT_DIR, RUN_HEAD_SHA, RUN_CONCLUSION,
# REPORT_RUN_ID) reach the recipes through the environment, quoted by the shell, never pasted
# into the command text.
PULL_OPTIONAL ?= 0
CML_VERSION := 0.20.6
COMMENT_TITLE ?= tabml PR report
export ITERATIVE_DO_NOT_TRACK := 1

.PHONY: pull
pull: $(STAMP) ## dvc pull (+ run-cache) when a DVC remote is configured, else skip
	@if [ -z "$$(dvc remote list)" ]; then \
	  echo "pull: no DVC remote configured (dvc remote list is empty); skipping"; \
	elif dvc pull --run-cache --allow-missing; then :; \
	elif [ "$(PULL_OPTIONAL)" = 1 ]; then \
	  echo "pull: dvc pull failed (no credentials?); continuing without the remote"; \
	else exit 1; fi

.PHONY: verify-report
verify-report: $(STAMP) ## Check a PR run's report artifact and render its comment (docs/ci.md)
	tabml report verify --artifact-dir "$${ARTIFACT_DIR:?set ARTIFACT_DIR}" \
	  --run-head-sha "$${RUN_HEAD_SHA:?set RUN_HEAD_SHA}" \
	  --run-conclusion "$${RUN_CONCLUSION:?set RUN_CONCLUSION}" \
	  --run-id "$${REPORT_RUN_ID:?set REPORT_RUN_ID}" \
	  --repo "$${REPO:-$${GITHUB_REPOSITORY:?set REPO=owner/name}}"

# CML and its whole dependency tree come from the lockfile in CML_DIR (docs/ci.md), installed
# without running any package's install scripts; its bin directory leads PATH for the CML targets.
CML_DIR := .github/cml
cml-install pr-comment: export PATH := $(CURDIR)/$(CML_DIR)/node_modules/.bin:$(PATH)

.PHONY: cml-install
cml-install: ## Install the locked CML from .github/cml (skipped when that version is on PATH)
	@if [ "$$(cml --version 2>/dev/null)" = "$(CML_VERSION)" ]; then \
	  echo "cml-install: cml $(CML_VERSION) is already installed"; \
	else npm ci --ignore-scripts --no-audit --no-fund --prefix "$(CML_DIR)"; \
	  found="$$(cml --version 2>/dev/null || true)"; \
	  if [ "$$found" != "$(CML_VERSION)" ]; then \
	    echo "cml-install: $(CML_DIR) installed cml '$$found', expected $(CML_VERSION)" >&2; \
	    exit 1; fi; fi

.PHONY: pr-comment
pr-comment: ## Post or update the sticky PR comment with CML (PR=<number> REPORT=<file>)
	@case "$${PR:-}" in ''|*[!0-9]*) \
	  echo "pr-comment: PR must be a pull-request number, got '$${PR:-}'" >&2; exit 1;; esac
	@case "$${CML_PUBLISH:-}" in ''|false|0|no) ;; *) echo "pr-comment: CML_PUBLISH is \
	refused: --publish uploads every local file the report links to a public host, and a PR \
	report is written by PR code" >&2; exit 1;; esac
	cml comment update --target="pr/$$PR" --watermark-title="$(COMMENT_TITLE)" \
	  --no-publish "$${REPORT:?set REPORT=<the comment file make verify-report wrote>}"

##@ Docs, benchmarks and housekeeping

.PHONY: docs-images
docs-images: $(STAMP) ## Regenerate the README's example PR report and its screenshot
	python docs/tools/render_examples.py

# make bench's sizes (docs/performance.md): the scale benchmark's table rows, the test rows of the
# report's big run (0 skips it), runs per timing, and the file whose bench sections are replaced.
# A quick look: make bench SCALE_ROWS=20000,100000 REPORT_TEST_ROWS=50000 BENCH_DOC=/tmp/perf.md
SCALE_ROWS ?= 1000000,10000000
REPORT_TEST_ROWS ?= 2000000
BENCH_RUNS ?= 3
BENCH_DOC ?= docs/performance.md

.PHONY: bench
bench: $(STAMP) ## All benchmarks in one run (pipeline, report, scale, act, serving) into BENCH_DOC
	python bench/pipeline.py --runs "$(BENCH_RUNS)" --write "$(BENCH_DOC)"
	$(MAKE) bench-report bench-scale bench-act
	dvc repro
	python bench/serve.py --write "$(BENCH_DOC)"

.PHONY: bench-report
bench-report: $(STAMP) ## PR report: bootstrap, tabml report, make report on REPORT_TEST_ROWS test rows
	python bench/report.py --runs "$(BENCH_RUNS)" --test-rows "$(REPORT_TEST_ROWS)" \
	  --write "$(BENCH_DOC)"

.PHONY: bench-scale
bench-scale: $(STAMP) ## dvc repro on generated tables of SCALE_ROWS rows: 10M-row targets, growth
	python bench/scale.py --rows "$(SCALE_ROWS)" --write "$(BENCH_DOC)"

.PHONY: bench-act
bench-act: $(STAMP) ## PR report job under act: setup and job time with cold, then warm caches
	python bench/act_setup.py --runs "$(BENCH_RUNS)" --write "$(BENCH_DOC)"

.PHONY: dag
dag: $(STAMP) ## Print the pipeline graph as mermaid (for the README)
	dvc dag --md

.PHONY: clean
clean: ## Remove caches and pipeline outputs (not the raw data)
	rm -rf .mypy_cache .ruff_cache .pytest_cache data/prepared data/features models

##@ A new project from the template (see docs/getting-started.md)
NAME ?=
REPO ?=

.PHONY: init
init: $(STAMP) ## Make this copy your project: make init NAME=churn-model [REPO=owner/name]
	tabml init --name "$(NAME)" --uv "$(UV)" $(if $(REPO),--repo "$(REPO)")
	@touch $(STAMP)

# DATA, TARGET and TASK reach the recipe through the environment, quoted by the shell.
.PHONY: adopt
adopt: $(STAMP) ## Bring your own table: make adopt DATA=table.csv TARGET=col [TASK=regression]
	tabml adopt --data "$${DATA:?set DATA=path/to/table.csv}" \
	  --target "$${TARGET:?set TARGET=the column to predict}" $${TASK:+--task "$$TASK"}

##@ Releases: GTO tags, release files, serving image, promotion (see docs/release.md)
# VERSION, STAGE, TAG, IMAGE and REPO reach the recipes through the environment, quoted by the
# shell (make exports command-line variables), never pasted into the command text.
RELEASE_DIR ?= dist/release
SMOKE_RUNTIME ?= docker
SMOKE_PORT ?= 8000
PUSH ?=
PUSH_FLAG = $(if $(filter 1 true yes,$(PUSH)),--push)

.PHONY: release
release: $(STAMP) ## Tag HEAD as a model version if releasable: make release VERSION=v1.2.0 [PUSH=1]
	tabml release register --version "$${VERSION:?set VERSION=vX.Y.Z}" $(PUSH_FLAG)

.PHONY: promote
promote: $(STAMP) ## Assign a stage: make promote VERSION=v1.2.0 STAGE=staging|prod [PUSH=1]
	tabml release promote --version "$${VERSION:?set VERSION=vX.Y.Z}" \
	  --stage "$${STAGE:?set STAGE=staging or prod}" $(PUSH_FLAG)

.PHONY: release-model
release-model: pull ## This commit's model: DVC remote if any, else dvc repro; must match reports/
	dvc repro
	tabml release check-metrics

.PHONY: release-assets
release-assets: $(STAMP) ## Model, contract, card, wheel, uv.lock, Dockerfile, SHA256SUMS in RELEASE_DIR
	@repo="$${REPO:-$${GITHUB_REPOSITORY:-}}"; set -x; \
	tabml release assets --out-dir "$(RELEASE_DIR)" $${TAG:+--tag "$$TAG"} $${repo:+--repo "$$repo"}

# Coreutils only (no venv): the release workflow's attest job runs it on the downloaded files.
.PHONY: verify-sums
verify-sums: ## Check every file of RELEASE_DIR against its SHA256SUMS
	cd "$(RELEASE_DIR)" && sha256sum --check --strict --quiet SHA256SUMS
	@echo "verify-sums: every file listed in $(RELEASE_DIR)/SHA256SUMS matches"

# SHA256SUMS catches corruption, not tampering: check a downloaded release's attestations before
# serving it (needs gh, https://cli.github.com; fails when gh is missing rather than skip).
.PHONY: verify-release
verify-release: $(STAMP) ## gh attestation verify every file of RELEASE_DIR (REPO=owner/name)
	python -m tabml.release.verify --dir "$(RELEASE_DIR)" \
	  --repo "$${REPO:-$${GITHUB_REPOSITORY:?set REPO=owner/name}}"

# The build context is the release directory alone, with the Dockerfile it carries.
.PHONY: image
image: ## Build the serving image from RELEASE_DIR alone with docker (IMAGE=name:tag)
	docker build --tag "$${IMAGE:-tabml-serve:local}" "$(RELEASE_DIR)"

.PHONY: smoke
smoke: $(STAMP) ## Run the image (SMOKE_RUNTIME=docker) or its command on RELEASE_DIR (host); check it
	@url="http://127.0.0.1:$(SMOKE_PORT)"; \
	case "$(SMOKE_RUNTIME)" in \
	  docker) cid="$$(docker run --detach --rm --publish "127.0.0.1:$(SMOKE_PORT):8000" \
	            "$${IMAGE:?set IMAGE=ghcr.io/owner/repo:vX.Y.Z}")"; \
	          trap 'docker logs "$$cid" 2>&1 | tail -n 20; docker rm --force "$$cid" >/dev/null' EXIT;; \
	  host) tabml serve --model "$(RELEASE_DIR)" --params "$(RELEASE_DIR)/params.yaml" \
	          --host 127.0.0.1 --port "$(SMOKE_PORT)" & pid=$$!; \
	        trap 'kill "$$pid" 2>/dev/null; wait "$$pid" 2>/dev/null || true' EXIT;; \
	  *) echo "smoke: SMOKE_RUNTIME must be docker or host, got '$(SMOKE_RUNTIME)'" >&2; exit 2;; \
	esac; \
	tabml release smoke --url "$$url" $${VERSION:+--expect-version "$$VERSION"}

##@ Monitoring: drift of new data against the training data (see docs/monitoring.md)
# CURRENT (a batch CSV) and LOG (the serving request log) reach the recipe through the
# environment. `tabml monitor` exits 3 on drift (make then reports an error and exits 2).
.PHONY: monitor
monitor: $(STAMP) ## Drift report of CURRENT=batch.csv, LOG=requests.jsonl, or the newest data/incoming batch
	tabml monitor $${CURRENT:+--current "$$CURRENT"} $${LOG:+--current-log "$$LOG"}

##@ Serving: the FastAPI model server (see docs/serving.md)
# MODEL (a model file or a release directory) reaches the recipe through the environment. A
# release directory is served with its own params.yaml (and, by the server, its own contract.yaml).
.PHONY: serve
serve: $(STAMP) ## Serve MODEL (default models/model.skops; or a release dir) on serve.host:port
	@model="$${MODEL:-models/model.skops}"; \
	if [ -d "$$model" ]; then set -- --params "$$model/params.yaml"; else set --; fi; \
	set -x; tabml serve --model "$$model" "$$@"

.PHONY: bench-serve
bench-serve: $(STAMP) ## Serving throughput and latency vs the model's floor (needs make run)
	python bench/serve.py --write "$(BENCH_DOC)"

##@ Continuous training and the monitoring workflow (see docs/continuous-training.md)
# REPO and CURRENT reach the recipes through the environment, quoted by the shell.
INCOMING_DVC ?= data/incoming.dvc

.PHONY: incoming-pull
incoming-pull: $(STAMP) ## New batches from DVC: dvc update (an import) or dvc pull; else skip
	@if [ ! -f "$(INCOMING_DVC)" ]; then \
	  echo "incoming-pull: no $(INCOMING_DVC); using the batches committed in git"; \
	elif grep -q '^ *repo:' "$(INCOMING_DVC)"; then dvc update "$(INCOMING_DVC)"; \
	elif [ -z "$$(dvc remote list)" ]; then \
	  echo "incoming-pull: no DVC remote configured; skipping"; \
	else dvc pull "$(INCOMING_DVC)"; fi

.PHONY: retrain
retrain: $(STAMP) ## Table from data/incoming, dvc repro, commit on retrain.branch, report vs main
	tabml retrain build
	dvc repro
	tabml retrain commit
	tabml retrain report

.PHONY: retrain-push
retrain-push: $(STAMP) ## Force-push the retrain commit to retrain.branch (GITHUB_TOKEN)
	tabml retrain push

.PHONY: retrain-publish
retrain-publish: $(STAMP) ## Open or update the retrain PR, or the one `retrain` issue (REPO=owner/name)
	tabml retrain publish --repo "$${REPO:-$${GITHUB_REPOSITORY:?set REPO=owner/name}}"

.PHONY: monitor-check
monitor-check: $(STAMP) ## tabml monitor for workflows: drift=true|false to $GITHUB_OUTPUT, exit 0 on drift
	@out="$${GITHUB_OUTPUT:-/dev/null}"; \
	if [ -z "$${CURRENT:-}" ] && ! compgen -G "data/incoming/*.csv" >/dev/null; then \
	  echo "monitor-check: no batch in data/incoming/; nothing to check"; \
	  echo "drift=false" >> "$$out"; exit 0; fi; \
	rc=0; tabml monitor $${CURRENT:+--current "$$CURRENT"} || rc=$$?; \
	case "$$rc" in 0) drift=false;; 3) drift=true;; *) exit "$$rc";; esac; \
	echo "monitor-check: drift=$$drift"; echo "drift=$$drift" >> "$$out"

.PHONY: drift-issue
drift-issue: $(STAMP) ## Open or update the one `drift` issue from the last monitor run (DISPATCH=1)
	tabml monitor issue --repo "$${REPO:-$${GITHUB_REPOSITORY:?set REPO=owner/name}}" \
	  $(if $(filter 1 true yes,$(DISPATCH)),--dispatch)

##@ Experiment sweeps: DVC's queue here, a GitHub Actions matrix in CI (see docs/sweeps.md)
# SWEEP (a sweep file), GRID (an inline grid; wins over SWEEP), JOBS, INDEX, RESULTS, SWEEP_BASE,
# PR and REPO reach the recipes through the environment, quoted by the shell.
SWEEP_ARGS = --sweep "$${SWEEP:-sweeps/default.yaml}" $${GRID:+--grid "$$GRID"}

.PHONY: sweep
sweep: $(STAMP) ## Run SWEEP=sweeps/default.yaml with DVC's queue, JOBS=2 at a time; print the ranking
	tabml sweep run $(SWEEP_ARGS) --jobs "$${JOBS:-2}"

.PHONY: sweep-show
sweep-show: $(STAMP) ## Rank HEAD's DVC experiments (dvc exp show) against HEAD
	tabml sweep show

.PHONY: sweep-matrix
sweep-matrix: $(STAMP) ## Expand SWEEP (or GRID) into a job matrix: matrix= and count= to $GITHUB_OUTPUT
	tabml sweep matrix $(SWEEP_ARGS)

.PHONY: sweep-one
sweep-one: $(STAMP) ## Run candidate INDEX of SWEEP (or GRID) here; its files go to sweep-out/
	tabml sweep run-one --index "$${INDEX:?set INDEX=0, 1, ...}" $(SWEEP_ARGS) --out-dir sweep-out

.PHONY: sweep-aggregate
sweep-aggregate: $(STAMP) ## Rank the downloaded candidates (RESULTS=sweep-results) vs SWEEP_BASE=main
	tabml sweep aggregate --results "$${RESULTS:-sweep-results}" $(SWEEP_ARGS) \
	  --base "$${SWEEP_BASE:-main}" --out sweep-table.md

.PHONY: sweep-comment
sweep-comment: $(STAMP) ## Comment sweep-table.md on PR=<number> (GITHUB_TOKEN)
	@case "$${PR:-}" in ''|*[!0-9]*) \
	  echo "sweep-comment: PR must be a pull-request number, got '$${PR:-}'" >&2; exit 1;; esac
	tabml sweep comment --pr "$$PR" --repo "$${REPO:-$${GITHUB_REPOSITORY:?set REPO=owner/name}}" \
	  --table sweep-table.md
