# Remixery: `make dev` runs the service locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
SUB ?= alice
GROUPS ?=
DEMO_CLOCK ?=

.PHONY: dev test token fire bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pip<26.3'
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

dev: $(STAMP)
	$(PY) -m local --port $(PORT) $(if $(DEMO_CLOCK),--demo-clock $(DEMO_CLOCK))

test: $(STAMP)
	$(PY) -m pytest

token: $(STAMP)
	@$(PY) -m local.tokens --sub '$(SUB)' --groups '$(GROUPS)'

fire: $(STAMP)
	@$(PY) -m local.fire $(SCHEDULE)

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache
