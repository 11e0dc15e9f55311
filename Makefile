# CUENTY developer commands. `make run` serves the whole platform on http://127.0.0.1:8000;
# `make test` runs the test suite. Both create .venv on first use and reinstall only when a
# lock file or pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# uv installs the locked dependencies several times faster than pip; pip is the fallback.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check
else
INSTALL = $(UV) pip install --quiet --python $(BIN)/python
endif

.PHONY: run test install install-dev lint migrate demo messages clean

run: $(VENV)/.installed-main
	@mkdir -p var
	$(BIN)/cuenty db upgrade
	$(BIN)/cuenty demo load --if-empty
	$(BIN)/cuenty serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed-main
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-main: $(BIN)/python requirements/main.lock pyproject.toml
	$(INSTALL) -r requirements/main.lock
	$(INSTALL) --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-main requirements/dev.lock
	$(INSTALL) -r requirements/dev.lock
	@touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests

migrate: $(VENV)/.installed-main
	$(BIN)/cuenty db upgrade

demo: $(VENV)/.installed-main
	$(BIN)/cuenty demo load

# Extract the N_() message ids and add new ones to the catalogs; then fill each new msgstr in
# src/cuenty/i18n/locales/es_MX/LC_MESSAGES/messages.po (tests/kit/test_i18n.py checks it).
messages: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project cuenty --version 0.1.0 \
		-o src/cuenty/i18n/messages.pot src/cuenty
	$(BIN)/pybabel update -i src/cuenty/i18n/messages.pot -d src/cuenty/i18n/locales \
		--ignore-obsolete --no-wrap --no-fuzzy-matching

# Regenerate the lock files after editing the dependencies in pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 -o requirements/main.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements/dev.lock

clean:
	rm -rf $(VENV) .pytest_cache
