# Two commands matter (see README): `make app` and `make test`. Everything else is a step they call.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# Pinned so that pip takes the CPU wheel where one is provided; any torch >= 2.4 works.
TORCH ?= torch==2.13.0
DATASET ?= ml-latest-small
DATA := data/processed/$(DATASET)
MODEL := models/$(DATASET)
PORT ?= 8866
# make model: NPROC=N trains on N GPUs with torchrun (DistributedDataParallel); TRAIN_ARGS adds `lbrec train` options,
# e.g. TRAIN_ARGS="--eval-users 20000" for ML-32M on a CPU-only machine.
NPROC ?= 1
TRAIN_ARGS ?=
TRAIN := $(if $(filter-out 1,$(NPROC)),$(BIN)/torchrun --standalone --nproc_per_node=$(NPROC),$(BIN)/python) -m lbrec train
PYTEST_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help app test test-fast notebooks screenshots model data install install-dev browser clean

help:
	@echo "make app    set up, build the data and model if missing, serve the app on http://127.0.0.1:$(PORT)"
	@echo "make test   set up with the dev extras and run every test"
	@echo "make test-fast  the import contracts and the unit tests (under a minute)"
	@echo "make notebooks  run notebooks 01-04 in place on ml-latest-small (a real training run)"
	@echo "make screenshots  retake the README's screenshots with the browser tests, serving the trained model"
	@echo "make model  prepare, train and export the default model (DATASET=$(DATASET); ml-32m for production)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[train]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[train,dev]"
	touch $@ $(VENV)/.installed-app

install: $(VENV)/.installed-app
install-dev: $(VENV)/.installed-dev

# Headless Chromium for the browser tests: Debian's package (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

$(DATA)/meta.json: | $(VENV)/.installed-app
	$(BIN)/python -m lbrec prepare --dataset $(DATASET)

data: $(DATA)/meta.json

$(MODEL)/onnx.json: $(DATA)/meta.json
	$(TRAIN) --dataset $(DATASET) $(TRAIN_ARGS)
	$(BIN)/python -m lbrec export --model $(MODEL)

model: $(MODEL)/onnx.json

# Loopback only; fail rather than move to another port; a kernel left idle by a closed tab is shut down after 10 min.
app: model
	$(BIN)/python -m lbrec app --model $(MODEL) --port $(PORT)

# Every test: the layers' import contracts and the linter (pyproject.toml), then the unit, integration and browser tiers.
test: $(VENV)/.installed-dev browser
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: FAILED: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

test-fast: $(VENV)/.installed-dev
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

# The tutorial notebooks with the outputs of a real run (the suite checks that they match the committed code).
notebooks: $(VENV)/.installed-dev
	$(BIN)/python -m harness.notebooks

# The README's screenshots, taken by the browser tests from today's app serving the trained default model.
SCREENSHOTS := app-typed-titles app-export app-group app-where-to-watch-cards:app-where-to-watch app-newer
screenshots: $(MODEL)/onnx.json $(VENV)/.installed-dev browser
	LBREC_BROWSER_MODEL=$(MODEL) $(BIN)/python -m pytest tests/browser/test_browser.py tests/browser/test_newer.py -q
	@for shot in $(SCREENSHOTS); do cp test-artifacts/$${shot%%:*}.png docs/$${shot##*:}.png; done

clean:
	rm -rf $(VENV) .pytest_cache
