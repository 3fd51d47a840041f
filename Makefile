# Remixery: `make dev` runs the service locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
CONTROL_PORT ?= 8001
SUB ?= alice
GROUPS ?=
DEMO_CLOCK ?=
DEMO ?=
STAGE ?= dev
CDK_ARGS ?=
INFRA_STAMP := $(VENV)/.installed-infra
CDK := infra/node_modules/.bin/cdk
# The CDK CLI needs no credentials to synthesize; telemetry stays off.
CDK_ENV := CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true

.PHONY: dev demo test token fire bench clean synth diff deploy bootstrap fuzz help

# `make help`: every target with the line above it that starts with "##".
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z][a-z-]*:/{if(doc){split($$1,t,":"); printf "  make %-10s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)
	@echo "  Variables: PORT=$(PORT) CONTROL_PORT=$(CONTROL_PORT) (make dev PORT=8500 CONTROL_PORT=8501), SUB, GROUPS, SCHEDULE, DEMO_CLOCK, STAGE"

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pip<26.3'
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# The infrastructure toolchain (aws-cdk-lib, cfn-lint): ~430 MB, see requirements-infra.txt.
$(INFRA_STAMP): $(STAMP) requirements-infra.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-infra.txt
	touch $(INFRA_STAMP)

# The CDK CLI, pinned by infra/package-lock.json, installed into infra/node_modules.
$(CDK): infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	touch $(CDK)

# The browser tests' Chromium: Debian's package (Playwright drives it; it downloads no browser).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# axe-core, which the browser tests inject into each page they check; pinned by its package-lock.json.
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

## the API and the site (under /site/) on port PORT, control on CONTROL_PORT; empty, in memory
dev: $(STAMP)
	$(PY) -m local --port $(PORT) --control-port $(CONTROL_PORT) $(if $(DEMO_CLOCK),--demo-clock $(DEMO_CLOCK)) $(if $(DEMO),--demo)

# `make dev` with a small community seeded through the public API; the site is at /site/.
## make dev with a small demo community seeded (members, records, a production, a closed month)
demo: $(STAMP)
	$(PY) -m local --port $(PORT) --control-port $(CONTROL_PORT) --demo $(if $(DEMO_CLOCK),--demo-clock $(DEMO_CLOCK))

# Test files run on TEST_WORKERS parallel workers, each file whole and in order on one (much of a
# test's time is spent waiting on the local stack); TEST_WORKERS=0 runs them in this one process.
# The browser tests (one local stack, one Chromium) are one worker's, and so are the infra tests
# (one synthesis): both start first, beside the other files (SHARED_UNITS in tests/conftest.py).
TEST_WORKERS ?= 4
## every test (installs the toolchain, Chromium and the CDK CLI on first use)
test: $(STAMP) $(INFRA_STAMP) $(CDK) $(CHROMIUM) $(AXE)
	$(PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

## print a local bearer token: make token SUB=alice GROUPS=producer (minted offline)
token: $(STAMP)
	@$(PY) -m local.tokens --sub '$(SUB)' --groups '$(GROUPS)'

## fire a scheduled function on the running stack: make fire SCHEDULE=<name> (none: list them)
fire: $(STAMP)
	@$(PY) -m local.fire $(SCHEDULE) --control http://127.0.0.1:$(CONTROL_PORT) --at '$(AT)'

## every benchmark against its budget
bench: $(STAMP)
	$(PY) -m bench

# The schema fuzzer for longer than `make test` does: FUZZ_EXAMPLES per operation, boundary cases on.
FUZZ_EXAMPLES ?= 200
## the schema fuzzer, longer than make test runs it
fuzz: $(STAMP)
	FUZZ_LONG=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_STATEFUL_STEPS=10 $(PY) -m pytest -p no:cacheprovider \
		tests/hardening/test_schema_fuzzing.py

# Synthesizes the stage's stack into infra/cdk.out (no AWS credentials needed) and lints it.
## synthesize and lint the CDK stack of STAGE (no AWS credentials needed)
synth: $(INFRA_STAMP) $(CDK)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk synth --quiet --no-notices -c stage=$(STAGE) $(CDK_ARGS)
	$(VENV)/bin/cfn-lint infra/cdk.out/$(STAGE).template.json
	@echo "synthesized and linted: infra/cdk.out/$(STAGE).template.json"

# What a deploy would change in the account your AWS credentials point at.
## what a deploy of STAGE would change in your AWS account
diff: $(INFRA_STAMP) $(CDK)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk diff --no-notices -c stage=$(STAGE) $(CDK_ARGS)

# Once per account and region: the asset bucket and roles the CDK CLI deploys through.
## once per account and region: the CDK bootstrap
bootstrap: $(INFRA_STAMP) $(CDK)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk bootstrap --no-notices -c stage=$(STAGE) $(CDK_ARGS)

# Deploys the stage (needs AWS credentials and a bootstrapped account: see the README).
## deploy STAGE (AWS credentials, a bootstrapped account)
deploy: $(INFRA_STAMP) $(CDK)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk deploy --no-notices -c stage=$(STAGE) $(CDK_ARGS)

## remove the virtualenv, node_modules and build output
clean:
	rm -rf $(VENV) .pytest_cache infra/node_modules infra/cdk.out infra/chalice.out
