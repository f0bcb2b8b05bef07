# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: install run demo test bench lint openapi messages clean

# A fresh machine has only python3: make a virtualenv, put uv in it, and install the locked set.
$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode is compiled here: where PYTHONDONTWRITEBYTECODE is set (as on the project's machines)
# and no .pyc exists, every process compiles its imports at start-up, and a web worker keeps
# ~18 MiB more resident for it (docs/bids.md, Memory).
$(VENV)/.installed: $(BIN)/uv pyproject.toml uv.lock Makefile
	VIRTUAL_ENV=$(VENV) $(BIN)/uv sync --frozen --active --quiet --compile-bytecode
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python -m config.run

# `make run`, after one tender lived from draft to contract on a clock the demo moves forward
# (demo only: docs/operations.md, "make demo"); the platform then runs on that clock.
demo: install
	$(BIN)/python -m config.demo

# The browser tests (tests/browser) drive Debian's Chromium: installed here when missing and apt
# can (docs/pages.md); elsewhere they skip, saying why.
test: install
	bash scripts/browser-prerequisites.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

# What CI checks before the tests (.ci/run): the tree formatted, lint-clean and typed (the files
# of [tool.mypy] in pyproject.toml), and every model change in a committed migration.
lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

# The committed OpenAPI document; tests/config/test_openapi.py fails when it is stale.
openapi: install
	# Generated against PostgreSQL (the production database): integer ranges depend on it.
	DJANGO_SETTINGS_MODULE=config.test_settings $(BIN)/python manage.py spectacular --lang en \
		--format openapi-json --file openapi.json

# Regenerate the translation catalogues; the compiled .mo files are committed so that no
# gettext tools are needed to run the platform.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV)
