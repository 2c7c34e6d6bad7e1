# Relasi: `make run` to try it, `make test` to check it. `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.DEFAULT_GOAL := help
.PHONY: help run test test-fast lint format install install-dev sysdeps sysdeps-test translations migrate seed backup clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned requirements

install-dev: $(VENV)/.installed-dev ## Also install the test and lint tools

sysdeps: ## Check/install WeasyPrint's system libraries (Pango, libharfbuzz-subset0)
	@bash .ci/sysdeps run

sysdeps-test: ## Also Debian's chromium for the browser tests
	@bash .ci/sysdeps test

translations: install ## Compile the message catalogs (.po -> .mo)
	@$(BIN)/pybabel compile -d crm/translations -f 2>&1 | grep -v "^compiling" || true

migrate: install ## Apply database migrations
	$(FLASK) db upgrade

seed: install ## Load demo data into an empty database
	$(FLASK) seed-demo --if-empty

run: install sysdeps translations ## Migrate, seed if empty, start web + worker + embedded Redis
	$(FLASK) serve

test: install-dev sysdeps-test translations ## Run the whole test suite (browser tests included)
	$(BIN)/pytest

test-fast: install-dev translations ## The suite without browser tests, process starts and sweeps
	$(BIN)/pytest -m "not e2e and not slow"

lint: install-dev ## ruff check and format check; import-linter's layer contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

backup: install ## Write a backup archive to instance/backups
	$(FLASK) backup

clean: ## Remove caches (keeps .venv and instance/)
	find . -name __pycache__ -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache
