# stance — one command per job. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.stance-installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

## Create .venv with the pinned, CPU-only environment (torch first, then the lock file)
env: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[all]"
	@touch $(STAMP)

## Regenerate every figure (trains missing models first)
figures: env
	$(BIN)/stance figures

## Run the test suite (includes slow model tests and notebook smoke runs)
test: env
	$(BIN)/python -m pytest

## Run the fast tests only
test-fast: env
	$(BIN)/python -m pytest -m "not slow and not notebooks"

## Train the default models that are missing under models/
models: env
	$(BIN)/stance train

## Execute every notebook headless (SMOKE=False) into build/notebooks/
notebooks: env
	$(BIN)/python -m stance.notebooks run --out build/notebooks

## Pair notebooks: write .ipynb (no outputs) from the jupytext .py files
sync-notebooks: env
	$(BIN)/python -m stance.notebooks sync

## Open JupyterLab on the notebooks (add --allow-root when running as root)
lab: env
	$(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## Lint with ruff
lint: env
	$(BIN)/ruff check stance tests notebooks

## Public benchmarks (GVFC, SemEval-2016); data are read from ../shared/benchmarks
benchmarks: env
	$(BIN)/stance benchmark gvfc --data ../shared/benchmarks/gvfc/headlines.csv
	$(BIN)/stance benchmark semeval2016 --data ../shared/benchmarks/semeval2016_stance/tweets.csv

## Measure this machine: throughput, memory, figures, fine-tuning, growth to 100k passages (about an hour on 2 cores)
bench: env
	$(BIN)/stance bench --markdown build/bench/performance.md --csv build/bench/performance.csv

## Re-resolve requirements.lock from pyproject.toml (in a scratch venv)
lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet torch==2.13.0
	build/lockenv/bin/pip install --quiet -e ".[all]"
	{ sed -n '1,2p' requirements.lock; build/lockenv/bin/pip freeze --exclude-editable | grep -v '^stance' | sed 's/+cpu$$//'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

## Remove caches and build outputs (keeps .venv, models/ and figures/)
clean:
	rm -rf build .cache .pytest_cache .ruff_cache

## List the targets
help:
	@echo "stance — make targets:"
	@awk '/^## /{doc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(doc){split($$0,t,":"); printf "  \033[36m%-15s\033[0m %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

.PHONY: env figures test test-fast models notebooks sync-notebooks lab lint benchmarks bench lock clean help
