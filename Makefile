# Beschikbaarheidswijzer: `make run` sets everything up and serves the demo; `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app beschikbaarheid
HTMX := static/vendor/htmx.min.js
AXE := static/vendor/axe.min.js

.PHONY: run test test-sqlite install assets browser db demo jobs bench load clean mailserver translations translations-update

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

# Third-party front-end code comes from npm at build time; it is never committed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(HTMX) $(AXE): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)
	cp node_modules/axe-core/axe.min.js $(AXE)

assets: $(HTMX) $(AXE) translations

# Compiled catalogues are build products; the .po sources are committed.
translations: install
	$(BIN)/pybabel compile --statistics -d translations

# After changing texts: re-extract and merge (then translate the new entries in translations/en).
translations-update: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

# Debian's chromium for the browser tests (never `playwright install`: it downloads a browser).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

db: install
	$(FLASK) db upgrade

GEONAMES ?= ../shared/geodata/NL.txt

# The demo region brings its own places; with the GeoNames file beside the repo every Dutch PC4 resolves.
demo: db
	$(FLASK) demo load --if-empty
	@if [ -f "$(GEONAMES)" ]; then $(FLASK) geo import "$(GEONAMES)"; else echo "($(GEONAMES) niet gevonden: alleen de plaatsen van de demoregio)"; fi

# A local SMTP server that prints every mail (development: MAIL_PORT=8025).
mailserver: install
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:8025

run: install assets demo
	@$(FLASK) users demo-list
	$(FLASK) run --host 127.0.0.1 --port 5000

jobs: install db
	$(FLASK) jobs run

# Every test, on SQLite and on PostgreSQL (127.0.0.1:5432, database test; override TEST_POSTGRES_URL).
# Two workers (each its own PostgreSQL database), then the tests that restart PostgreSQL, alone.
test: install assets browser
	$(BIN)/pytest -q -n 2 -m "not serial"
	$(BIN)/pytest -q -m serial

test-sqlite: install assets
	TEST_BACKENDS=sqlite $(BIN)/pytest -q -m "not browser"

bench: install
	$(BIN)/python bench/run_all.py

# 60 s of mixed traffic against gunicorn on loopback with PostgreSQL (figures in bench/results/load.json)
load: install assets
	$(BIN)/python bench/load_test.py --seconds 60

clean:
	rm -rf $(VENV) node_modules static/vendor instance .pytest_cache
