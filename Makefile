# DBSBM portal. `make run` and `make test` are all a newcomer needs (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# pip on these machines warns about an ignored local index on every package; keep the output readable
PIP_QUIET := 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true

# The test suite runs against the real PostgreSQL and Redis (override with the same variables).
TEST_DATABASE_URL := $${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dbsbm}
TEST_REDIS_URL := $${REDIS_URL:-redis://127.0.0.1:6379/15}
# the not-e2e suite runs in this many processes (pytest-xdist; each its own test database and Redis index)
TEST_PROCESSES ?= 2
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_SETTINGS_MODULE=dbsbm.settings.test

.PHONY: help run serve up setup test lint format check-schema check-manifests clean bench bench-ledger bench-fraud bench-placement bench-broker-down bench-privacy bench-incidents bench-dashboards bench-analytics bench-integration bench-ml vendor-static test-assets browser ocr gettext messages

help:
	@echo "make run   - set up (virtualenv, install, migrate, demo data, staff login) and serve on http://$(HOST):$(PORT)"
	@echo "make test  - set up and run the linters and the whole test suite (PostgreSQL + Redis on localhost)"
	@echo "make up    - full stack from the Procfile (web, a worker on every queue, the urgent worker, beat); needs DATABASE_URL and REDIS_URL"
	@echo "make lint  - ruff, import contracts, migrations and schema checks only"
	@echo "make check-manifests - render the seeded environments' Kubernetes manifests and scan them with checkov"
	@echo "make bench-fraud  - fraud detectors on planted scenarios: confusion matrix, precision/recall, time per detector"
	@echo "make bench-ledger - ledger/leaderboard/grading/ingest benchmark on PostgreSQL (BENCH_BETS=1000000)"
	@echo "make bench - performance platform (cache, ETags, Redis outage, memory) under wrk; writes bench/results.md"
	@echo "make bench-privacy - encryption at rest: list p95 with/without decryption, rotation of 100,000 rows"
	@echo "make bench-incidents - alert -> incident -> level 1 webhook p95, escalation lateness, 1,000 open incidents"
	@echo "make bench-dashboards - server-side render time of the shipped dashboards (p50/p95, per widget)"
	@echo "make bench-broker-down - request time of a bet placement and a data-subject request with the broker killed"
	@echo "make bench-integration - webhook dispatch rate and a hanging receiver, /record p95, tracing overhead on the bet list"
	@echo "make bench-ml - ML (issue 16): predict p95, leg model training, parser and OCR accuracy and p95, bandit regret"
	@echo "make bench-analytics - metric queries from rollups vs the raw ledger, rollup upkeep on placement and grading"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip $(PIP_QUIET)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt $(PIP_QUIET)
	$(BIN)/python -c "import django, rest_framework, celery, channels"  # fail here if the install did
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install -q -r requirements-dev.txt $(PIP_QUIET)
	$(BIN)/python -c "import pytest, pytest_django, factory, hypothesis"
	touch $@

# migrate, seed_demo, seed_showcase and ensure_staff_login in one process (one Django start, not four), each timed
setup: $(VENV)/.runtime-installed vendor-static ocr gettext
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0
	$(BIN)/python manage.py setup_demo

serve:
	$(BIN)/uvicorn dbsbm.asgi:application --host $(HOST) --port $(PORT) --no-proxy-headers

run: setup
	@echo "Serving the DBSBM portal on http://$(HOST):$(PORT)/ (admin: /admin/, API docs: /api/docs/)"
	@$(MAKE) --no-print-directory serve

up: $(VENV)/.dev-installed
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || { echo "make up needs DATABASE_URL and REDIS_URL (PostgreSQL and Redis)"; exit 2; }
	$(BIN)/python scripts/ensure_database.py
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_staff_login
	$(BIN)/honcho start

# Not part of `make test` (about 20 s of checkov, and checkov needs a virtualenv of its own: its pins conflict with
# ours): the Kubernetes manifests of the seeded environments (`manage.py k8s_manifests`), rendered into
# var/manifests/ and scanned by checkov with the skips documented in .checkov.yaml; any other finding fails.
# `make test` validates the same manifests against the Kubernetes schemas (kubernetes-validate).
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q -r requirements-checkov.txt $(PIP_QUIET)
	$(CHECKOV_VENV)/bin/checkov --version
	touch $@

check-manifests: $(VENV)/.dev-installed $(CHECKOV_VENV)/.installed
	$(TEST_ENV) $(BIN)/python scripts/ensure_database.py
	$(TEST_ENV) $(BIN)/python manage.py migrate --noinput
	rm -rf var/manifests
	for environment in production staging; do \
		$(TEST_ENV) $(BIN)/python manage.py k8s_manifests --env $$environment --output var/manifests/$$environment || exit 1; \
	done
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml -d var/manifests

# plotly.js from the installed plotly package into static/vendor/ (the portal's charts; no CDN), and gridstack.js
# (the dashboards' grid) from the npm registry, pinned to a version and its SHA-512 integrity hash
vendor-static: $(VENV)/.runtime-installed
	$(BIN)/python scripts/vendor_plotly.py
	$(BIN)/python scripts/vendor_gridstack.py

# axe-core (the accessibility rules the browser tests run on every portal page) from the npm registry, pinned to a
# version and its SHA-512 integrity hash, into tests/e2e/assets/ (a test asset: never served by the portal)
test-assets: $(VENV)/.runtime-installed
	$(BIN)/python scripts/vendor_axe.py

# Debian's chromium for the browser tests (pytest -m e2e); never `playwright install`
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Debian's tesseract-ocr (English data included) for bet-slip OCR (apps/ml/vision): the vision API and its tests;
# the DejaVu and Liberation fonts the tests and bench draw their generated slips in
OCR_FONTS := /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf
# GNU gettext (msgfmt, xgettext) for the translations (locale/, issue 17 §7): compilemessages in setup, the
# completeness tests in `make test`, `make messages` after marking new strings. The compiled .mo files are committed
# too, so a machine without gettext still serves Spanish.
gettext:
	@command -v msgfmt >/dev/null || (apt-get update && apt-get install -y gettext)

# After adding or changing marked strings: update locale/es/LC_MESSAGES/django.po and djangojs.po (translate the new
# entries, no fuzzy ones), then compile them. tests/core/test_i18n.py fails while a marked string is missing.
messages: $(VENV)/.dev-installed gettext
	$(BIN)/python manage.py makemessages -l es --no-obsolete --no-location --ignore=.venv --ignore="tests/*" --ignore="var/*" --ignore="bench/*" --ignore="docs/*"
	$(BIN)/python manage.py makemessages -l es -d djangojs --no-obsolete --no-location --ignore=.venv --ignore="static/vendor/*" --ignore="tests/*" --ignore="var/*"
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

ocr:
	@command -v tesseract >/dev/null || (apt-get update && apt-get install -y tesseract-ocr)
	@ls $(OCR_FONTS) >/dev/null 2>&1 || (apt-get update && apt-get install -y fonts-dejavu-core fonts-dejavu-extra fonts-liberation)

lint: $(VENV)/.dev-installed vendor-static
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(TEST_ENV) $(BIN)/python scripts/ensure_database.py
	$(TEST_ENV) $(BIN)/python manage.py check
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# the browser tests run in their own pytest process (TOOLCHAIN.md: sync Playwright leaves an event loop behind)
test: lint browser ocr test-assets gettext
	$(TEST_ENV) $(BIN)/pytest -m "not e2e" -n $(TEST_PROCESSES)
	$(TEST_ENV) $(BIN)/pytest -m e2e

# Not part of `make test`: seeds its own database (BENCH_DATABASE, default dbsbm_bench) with BENCH_BETS
# demo bets once (a few minutes for 1,000,000), then measures; BENCH_BETS=100000 for a quick run.
BENCH_BETS ?= 1000000
bench-ledger: $(VENV)/.runtime-installed
	BENCH_BETS=$(BENCH_BETS) $(BIN)/python bench/ledger.py

# Not part of `make test`: the performance platform's figures (issue 4) against uvicorn (2 workers) on the
# bench-ledger database (seeded once, reused), with its own redis-server on a free port, load from wrk
# (installed from Debian when missing); about 15 minutes, most of it the 100,000-request memory run
# (BENCH_MEMORY_REQUESTS). Prints the raw numbers, ratios and PASS/MISS and writes bench/results.md.
bench: $(VENV)/.runtime-installed
	@command -v wrk >/dev/null || apt-get install -y wrk
	BENCH_BETS=$(BENCH_BETS) $(BIN)/python -m bench.performance
	$(BIN)/python bench/privacy.py

# Not part of `make test`: machine learning (issue 16). Each script re-creates its own database and appends its
# section to bench/results-ml.md, in this order: predict p95 through the registry (mlreg), training the leg model
# on 1,000,000 legs (mlmodels), the parser's and OCR's accuracy and p95 (nlp, ocr), the bandit's regret
# (experiments). A script not present (an area not merged yet) is skipped with a note.
ML_BENCH_SCRIPTS = bench/ml_registry.py bench/ml_training.py bench/ml_parser.py bench/ml_ocr.py bench/ml_bandit.py
bench-ml: $(VENV)/.runtime-installed
	@for script in $(ML_BENCH_SCRIPTS); do \
		if [ -f $$script ]; then $(BIN)/python $$script || exit 1; else echo "bench-ml: $$script missing, skipped"; fi; \
	done

# Not part of `make test`: encryption at rest (issue 6) on its own re-created database
# (BENCH_PRIVACY_DATABASE, default dbsbm_bench_privacy): bet and member list p95 with encryption against a
# plaintext baseline in the same run, and rotate_keys over 100,000 rows; writes bench/results-privacy.md.
bench-privacy: $(VENV)/.runtime-installed
	$(BIN)/python bench/privacy.py

# Not part of `make test`: re-creates its own database (BENCH_FRAUD_DATABASE, default dbsbm_bench_fraud),
# seeds BENCH_FRAUD_BETS demo bets with the planted fraud scenarios, and scores the detectors on them.
bench-fraud: $(VENV)/.runtime-installed
	$(BIN)/python bench/fraud.py

# What the fraud checks add to a placement (run bench-fraud first: it seeds the database used here).
bench-placement: $(VENV)/.runtime-installed
	$(BIN)/python bench/placement_overhead.py

# Not part of `make test`: writes with the Celery broker (a redis-server of its own) killed; re-creates
# its own database (BENCH_OUTBOX_DATABASE, default dbsbm_bench_outbox).
bench-broker-down: $(VENV)/.runtime-installed
	$(BIN)/python bench/broker_down.py

# Not part of `make test`: incident response speed (issue 13) with the Procfile's two workers (urgent,celery and
# urgent; BENCH_INCIDENTS_URGENT_WORKER=0 for the first alone) and beat, a broker of its own
# and a local signed-webhook receiver, on its own re-created database (BENCH_INCIDENTS_DATABASE, default
# dbsbm_bench_incidents); prints the raw numbers and PASS/MISS and writes bench/results-incidents.md.
bench-incidents: $(VENV)/.runtime-installed
	$(BIN)/python bench/incidents.py

# Not part of `make test`: the shipped dashboards rendered server-side through the whole stack, on its own database
# (BENCH_DASHBOARD_DATABASE, default dbsbm_bench_dashboards) seeded once with BENCH_DASHBOARD_BETS demo bets.
BENCH_DASHBOARD_BETS ?= 100000
bench-dashboards: $(VENV)/.runtime-installed
	BENCH_DASHBOARD_BETS=$(BENCH_DASHBOARD_BETS) $(BIN)/python bench/dashboard_render.py

# Not part of `make test`: the analytics targets (issue 14) on its own database (BENCH_ANALYTICS_DATABASE,
# default dbsbm_bench_analytics), seeded once with BENCH_BETS demo bets over BENCH_TENANTS (10) tenants and
# reused: metric queries from the rollups against the raw ledger, what rollup upkeep adds to placement and
# grading, then analytics_verify (BENCH_VERIFY=0 skips it); writes bench/results-analytics.md.
bench-analytics: $(VENV)/.runtime-installed
	BENCH_BETS=$(BENCH_BETS) $(BIN)/python bench/analytics.py

clean:
	rm -rf $(VENV) var staticfiles

# Issue #15's figures (not part of `make test`): webhook dispatch to local receivers with 2 workers and
# a receiver that hangs, the Discord interactions endpoint's /record p95, and the bet list p95 with tracing
# on against tracing off. Each part appends its section to bench/results-integration.md.
bench-integration: $(VENV)/.runtime-installed
	rm -f bench/results-integration.md
	$(BIN)/python bench/integration_webhooks.py
	$(BIN)/python bench/integration_discord.py
	$(BIN)/python bench/integration_tracing.py
