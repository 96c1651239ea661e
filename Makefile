# The two commands that matter: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
SERVICES := contracts platform intake assessment registry network notify web tools
INFRA := deploy/local/infra.sh
export INFOHUS_CACHE ?= /var/tmp/infohus
OPA := $(INFOHUS_CACHE)/bin/opa

.PHONY: district help install lock infra-up infra-down infra-status run lint test test-unit test-slow policy-test docs clean \
	seed token verify-log check-tenants bench load

help:
	@echo "make run          start Kafka, OPA and the five services on 127.0.0.1 (Ctrl-C stops)"
	@echo "make test         lint, policy tests, then the whole suite against real Kafka, OPA and PostgreSQL"
	@echo "make lint         architecture rules (import-linter), ruff and mypy; configured in pyproject.toml"
	@echo "make test-slow    the long soak and fault runs"
	@echo "make docs         write OpenAPI and AsyncAPI documents to docs/api/"
	@echo "make bench        latency benchmarks against baselines measured in the same run (bench/README.md)"
	@echo "make load         open-loop load against a running make run: RATE concerns a second for DURATION s"
	@echo "make seed         load a Danish demo data set into the running stack (after make run)"
	@echo "make token ROLE=ssp_coordinator   print a development bearer token for a demo user"
	@echo "make verify-log   check every service's hash-chained processing log"
	@echo "make check-tenants  find rows stored for municipalities this instance does not serve"
	@echo "make infra-up | infra-down | infra-status"

$(VENV)/.installed: requirements.lock $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps $(foreach s,$(SERVICES),-e services/$(s))
	touch $@

install: $(VENV)/.installed

lock:
	$(PY) -m pip install -q -r requirements.in
	{ echo '# Pinned by `make lock` from requirements.in; install with `make install`.'; \
	  $(PY) -m pip freeze --exclude-editable | grep -v '^infohus'; } > requirements.lock

infra-up:
	bash $(INFRA) up

infra-down:
	bash $(INFRA) down

infra-status:
	bash $(INFRA) status

run: install
	bash deploy/local/run.sh

# A small district on this machine: two municipalities, the police district and the network, each its own instance.
district: install
	bash $(INFRA) up kafka exchange
	bash $(INFRA) provision opa
	eval "$$(bash $(INFRA) env)" && unset DATABASE_URL && $(PY) deploy/local/district.py

.PHONY: browser
# Debian's chromium for the web interface's end-to-end test (Playwright drives it; nothing is downloaded).
browser:
	bash deploy/local/browser.sh

policy-test: infra-up
	$(OPA) fmt --list --fail policies
	$(OPA) check --strict policies
	$(OPA) test --timeout 120s policies

# The architecture rules, lint and types; all three run, and any failure fails the build. Nothing is auto-fixed.
lint: install
	@status=0; \
	echo "$(VENV)/bin/lint-imports"; $(VENV)/bin/lint-imports --no-logo --cache-dir $(INFOHUS_CACHE)/lint-cache/import-linter || status=1; \
	echo "$(VENV)/bin/ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "$(VENV)/bin/mypy"; $(VENV)/bin/mypy --cache-dir $(INFOHUS_CACHE)/lint-cache/mypy || status=1; \
	exit $$status

test-unit: install
	$(PY) -m pytest --ignore=tests/integration --ignore=tests/e2e --ignore=tests/bench tests

test: install lint policy-test browser
	eval "$$(bash $(INFRA) env)" && $(PY) -m pytest -m "not slow and not bench" tests

test-slow: install infra-up
	eval "$$(bash $(INFRA) env)" && $(PY) -m pytest -m slow tests
	eval "$$(bash $(INFRA) env)" && INFOHUS_PROPERTY_EXAMPLES=100 $(PY) -m pytest tests/integration/test_network_isolation.py
	eval "$$(bash $(INFRA) env)" && INFOHUS_DISTRICT_PROPERTY_EXAMPLES=40 $(PY) -m pytest tests/integration/test_district.py
	eval "$$(bash $(INFRA) env)" && INFOHUS_FUZZ_EXAMPLES=50 $(PY) -m pytest tests/integration/test_fuzz.py

docs: install
	$(PY) deploy/local/docs.py docs/api

bench: install infra-up
	eval "$$(bash $(INFRA) env)" && $(PY) -m pytest -m bench -s -q tests/bench

RATE ?= 20
DURATION ?= 60
load: install
	$(PY) bench/load.py --rate $(RATE) --duration $(DURATION) $(LOAD_ARGS)

seed: install
	$(PY) deploy/local/seed.py

ROLE ?= ssp_coordinator
token: install
	@$(PY) -m infohus_tools.devidp token $(ROLE)

verify-log: install
	$(PY) -m infohus_tools.verify_log

check-tenants: install
	$(PY) -m infohus_tools.tenants check

clean:
	rm -rf var test-output .pytest_cache
