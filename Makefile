# EDT: two commands do everything from a fresh clone.
#   make run   installs into .venv, prepares the database with demo data, serves http://127.0.0.1:5000
#   make test  installs with the test extras and runs the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := edt

.PHONY: run test bench install install-test translations browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run translations
install-test: $(VENV)/.installed-test translations

# Compiled catalogs (.mo) are built, not committed.
translations: | $(BIN)/python
	@$(BIN)/pybabel compile -f -d edt/translations >/dev/null

# The browser journeys drive Debian's Chromium; install it when missing and we are root.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser journeys..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	  else echo "Chromium is missing: install Debian's chromium package (the browser journeys need it)." >&2; exit 1; fi; }

run: install
	$(BIN)/flask --app edt init-db
	$(BIN)/flask --app edt seed-demo --if-empty
	$(BIN)/flask --app edt run --host 127.0.0.1 --port 5000

test: install-test browser
	$(BIN)/pytest

bench: install-test
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) instance/edt.sqlite* .pytest_cache
