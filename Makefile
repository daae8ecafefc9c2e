# azure_recovery.backup — the two README commands and their parts.
#   make demo   against the emulator: vault + policies + onboarding, twice, a check-mode posture audit, a one-VM restore drill
#   make test   everything CI checks
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BUILD := .build
# ansible-playbook and ansible-lint find the collection through this link to the checkout.
COLLECTIONS := $(abspath $(BUILD)/collections)
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/azure_recovery/backup
# ansible-test needs a real ansible_collections/<ns>/<name> tree: a copy of the tracked files.
SANITY_TREE := $(BUILD)/sanity/ansible_collections/azure_recovery/backup
PYTEST_WORKERS ?= 2

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0

.PHONY: help venv collection demo test sanity units integration lint changelog-lint emulator bench clean

help:
	@echo "make demo    on the emulator: vault, policies and onboarding (twice), a check-mode audit, a restore drill (about a minute)"
	@echo "make test    sanity, unit and integration tests, ansible-lint, changelog lint (what CI runs)"
	@echo "make venv    only create/refresh .venv from the pinned requirements"
	@echo "make emulator  run the emulator in the foreground and print the variables to export"
	@echo "make bench   performance benchmark (tests/benchmarks/results.md)"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== installing pinned requirements into $(VENV)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt
	@touch $@

collection: $(COLLECTION_LINK)

$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn $(CURDIR) $@

demo: venv collection
	$(BIN)/python demo/run_demo.py

emulator: venv
	$(BIN)/python tools/run_emulator.py

test: venv collection sanity units integration lint changelog-lint
	@echo "== make test: all checks passed"

sanity: venv
	@echo "== ansible-test sanity"
	$(BIN)/python tools/ansible_test_offline.py $(SANITY_TREE)
	cd $(SANITY_TREE) && $(CURDIR)/$(BIN)/ansible-test sanity --venv --python 3.11 --color no

units: venv collection
	@echo "== unit tests"
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit

integration: venv collection
	@echo "== integration tests against the emulator"
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/integration

lint: venv collection
	@echo "== ansible-lint (production profile)"
	$(BIN)/ansible-lint --profile production

changelog-lint: venv
	@echo "== antsibull-changelog lint"
	$(BIN)/antsibull-changelog lint

bench: venv collection
	$(BIN)/python tests/benchmarks/run_bench.py

clean:
	rm -rf $(BUILD) tests/output .pytest_cache
