# EDT: two commands do everything from a fresh clone.
#   make run   installs into .venv, prepares the database with demo data, serves http://127.0.0.1:5000
#   make test  installs with the test extras and runs the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := edt

.PHONY: run test test-serial screenshots bench bench-load bench-cluster wrk nginx install install-test translations catalog browser axe bandit clean

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
	@$(BIN)/pybabel compile -f -d edt/translations >/dev/null 2>&1

# Extract every UI string (templates/_macros included) and update both catalogs: sorted, without
# line numbers and with a fixed creation date, so a catalog changes only when a string does.
# Then write the Bangla of each new entry in edt/translations/bn/LC_MESSAGES/messages.po.
catalog: | $(BIN)/python
	@$(BIN)/pybabel extract -F babel.cfg --ignore-dirs='.*' --no-location --sort-output --project=EDT \
	  -k _l -k lazy_gettext -k ngettext:1,2 -o edt/translations/messages.pot . >/dev/null 2>&1
	@sed -i 's/^"POT-Creation-Date: .*"$$/"POT-Creation-Date: 2026-01-01 00:00+0000\\n"/' edt/translations/messages.pot
	@$(BIN)/pybabel update -N --ignore-obsolete --ignore-pot-creation-date -i edt/translations/messages.pot \
	  -d edt/translations >/dev/null 2>&1
	@$(BIN)/python -c "import sys; from babel.messages.pofile import read_po; \
	  c = read_po(open('edt/translations/bn/LC_MESSAGES/messages.po', 'rb')); \
	  e = [m.id for m in c if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]; \
	  print(len(e), 'Bangla strings to translate'); \
	  [print('  ', repr(i)) for i in e]"

# The browser journeys drive Debian's Chromium, and the card and certificate tests look at PDFs
# rendered by poppler's pdftoppm; install them when missing and we are root.
browser:
	@{ command -v chromium && command -v pdftoppm; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium and poppler-utils for the browser and PDF tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core \
	      poppler-utils >/dev/null; \
	  else echo "Chromium or pdftoppm is missing: install Debian's chromium and poppler-utils packages." >&2; exit 1; fi; }

# axe-core for the accessibility checks of the browser journeys (tests/e2e/axe.py): the version
# pinned in package-lock.json, installed by npm into the git-ignored node_modules/. The tests
# evaluate it in the page; the app never serves it.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
axe: node_modules/.package-lock.json

# Static security checks of edt/; each accepted finding carries `# nosec <id>  # <reason>` on its
# line, so a new finding fails the run.
bandit: install-test
	$(BIN)/bandit -q -r edt

run: install
	$(BIN)/flask --app edt init-db
	$(BIN)/flask --app edt seed-demo --if-empty
	$(BIN)/flask --app edt run --host 127.0.0.1 --port 5000

# The import contract (when setup.cfg has one), then the suite on every core with pytest-xdist:
# browser journeys share one worker (xdist_group "browser"), each worker has its own database.
test: install-test browser axe bandit
	@if grep -q '^\[importlinter\]' setup.cfg; then $(BIN)/lint-imports; fi
	$(BIN)/pytest -n auto --dist loadgroup

# One process, in file order: for reading a failure's output top to bottom.
test-serial: install-test browser axe
	$(BIN)/pytest -p no:randomly

# Browser journeys write their screenshots to a temporary folder; this refreshes docs/screenshots/.
screenshots: install-test browser axe
	EDT_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -p no:randomly tests/e2e

bench: install-test
	$(BIN)/python -m tests.bench

# Load figures for every main page against a hello-world ceiling (tests/bench_load.py): a fresh
# SQLite filled by seed-scale, or EDT_BENCH_DATABASE_URL; BENCH_PARTICIPANTS, BENCH_SECONDS.
bench-load: install-test wrk
	$(BIN)/python -m tests.bench_load

# Two EDT servers (gunicorn -w 2 each) behind nginx on one PostgreSQL (tests/bench_cluster.py):
# shared sessions, throttles and verify cap, and attendance saves while one server is killed.
# EDT_BENCH_DATABASE_URL, or a fresh database on 127.0.0.1 that is dropped afterwards.
bench-cluster: install-test nginx
	$(BIN)/python -m tests.bench_cluster

nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's nginx for make bench-cluster..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else echo "nginx is missing: install Debian's nginx package (make bench-cluster needs it)." >&2; exit 1; fi; }

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's wrk for make bench-load..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: install Debian's wrk package (make bench-load needs it)." >&2; exit 1; fi; }

clean:
	rm -rf $(VENV) node_modules instance/edt.sqlite* .pytest_cache
