# congso — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Where the app is reached (QR codes; the DVCQG simulator's file links and webhook): follows HOST and PORT.
export CONGSO_PUBLIC_URL ?= http://$(HOST):$(PORT)

.DEFAULT_GOAL := help
.PHONY: help run test test-fast test-browser test-postgres serve demo migrate install lint format openapi bench-dossiers bench-outbox bench-payments bench-signing bench-kpi messages clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "congso needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install congso with its dev tools

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the Thanh Hóa reference data and demo logins (idempotent)
	$(PY) manage.py load_demo
	$(PY) manage.py test_pki
	$(PY) manage.py dvcqg demo
	$(PY) manage.py payments demo
	$(PY) manage.py generate_history --dossiers 30000 --years 2

run: demo ## Set up, load the demo data and serve http://127.0.0.1:8000 with the background worker
	$(PY) manage.py collectstatic --noinput -v0
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bash scripts/serve.sh

serve: install ## Serve without reloading data (web + worker)
	$(PY) manage.py collectstatic --noinput -v0
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bash scripts/serve.sh

test: install ## Run the whole suite on SQLite (browser tests included when chromium is installed)
	$(PY) -m pytest

test-fast: install ## The suite without the browser tests
	$(PY) -m pytest -m "not browser"

test-browser: install ## Only the browser tests
	$(PY) -m pytest -m browser

test-postgres: install ## The whole suite against PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/congso)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/congso} $(PY) -m pytest

lint: install ## ruff format --check and ruff check
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install ## Format the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: install ## Regenerate docs/openapi.json from the code
	$(PY) manage.py export_openapi docs/openapi.json

bench-dossiers: install ## Dossier API load bench under gunicorn on a fresh database (DATABASE_URL: PostgreSQL, dropped and recreated)
	$(PY) bench/bench_dossiers.py $${DATABASE_URL:+--database-url "$$DATABASE_URL"}

bench-outbox: install ## DVCQG outbox delivery to the simulator over HTTP, 1 and 2 workers, on a fresh database (DATABASE_URL: PostgreSQL, dropped and recreated)
	$(PY) bench/bench_outbox.py $${DATABASE_URL:+--database-url "$$DATABASE_URL"}

bench-payments: install ## Gateway IPNs over HTTP (first delivery and replay) and one day's reconciliation, gunicorn 4 workers, on a fresh database (DATABASE_URL: PostgreSQL, dropped and recreated)
	$(PY) bench/bench_payments.py $${DATABASE_URL:+--database-url "$$DATABASE_URL"}

bench-signing: install ## PAdES signing and verification per second on one core (test PKI in a temp dir, no database)
	$(PY) bench/bench_signing.py --cached-keys

bench-kpi: install ## Indicators at 10 million dossiers: generate, rebuild_kpi, dashboard reads, write cost (DATABASE_URL: PostgreSQL, dropped and recreated; DOSSIERS to change the size)
	nice $(PY) bench/bench_kpi.py --dossiers $${DOSSIERS:-10000000} $${DATABASE_URL:+--database-url "$$DATABASE_URL"}

messages: install ## Update and compile the vi/en translation catalogs (needs GNU gettext)
	$(PY) manage.py makemessages -l vi -l en --ignore='.venv/*' --ignore='tools/*' --ignore='var/*' --ignore='bench/*'
	$(PY) manage.py compilemessages --ignore='.venv/*'

clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
