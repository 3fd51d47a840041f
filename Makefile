# Remixery: `make dev` runs the service locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
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

.PHONY: dev demo test token fire bench clean synth diff deploy bootstrap fuzz

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

dev: $(STAMP)
	$(PY) -m local --port $(PORT) $(if $(DEMO_CLOCK),--demo-clock $(DEMO_CLOCK)) $(if $(DEMO),--demo)

# `make dev` with a small community seeded through the public API; the site is at /site/.
demo: $(STAMP)
	$(PY) -m local --port $(PORT) --demo $(if $(DEMO_CLOCK),--demo-clock $(DEMO_CLOCK))

test: $(STAMP) $(INFRA_STAMP) $(CDK) $(CHROMIUM)
	$(PY) -m pytest

token: $(STAMP)
	@$(PY) -m local.tokens --sub '$(SUB)' --groups '$(GROUPS)'

fire: $(STAMP)
	@$(PY) -m local.fire $(SCHEDULE)

bench: $(STAMP)
	$(PY) -m bench

# The schema fuzzer for longer than `make test` does: FUZZ_EXAMPLES per operation, boundary cases on.
FUZZ_EXAMPLES ?= 200
fuzz: $(STAMP)
	FUZZ_LONG=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_STATEFUL_STEPS=10 $(PY) -m pytest -p no:cacheprovider \
		tests/hardening/test_schema_fuzzing.py

# Synthesizes the stage's stack into infra/cdk.out (no AWS credentials needed) and lints it.
synth: $(INFRA_STAMP) $(CDK)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk synth --quiet --no-notices -c stage=$(STAGE) $(CDK_ARGS)
	$(VENV)/bin/cfn-lint infra/cdk.out/$(STAGE).template.json
	@echo "synthesized and linted: infra/cdk.out/$(STAGE).template.json"

# What a deploy would change in the account your AWS credentials point at.
diff: $(INFRA_STAMP) $(CDK)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk diff --no-notices -c stage=$(STAGE) $(CDK_ARGS)

# Once per account and region: the asset bucket and roles the CDK CLI deploys through.
bootstrap: $(INFRA_STAMP) $(CDK)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk bootstrap --no-notices -c stage=$(STAGE) $(CDK_ARGS)

# Deploys the stage (needs AWS credentials and a bootstrapped account: see the README).
deploy: $(INFRA_STAMP) $(CDK)
	rm -rf infra/cdk.out infra/chalice.out
	cd infra && $(CDK_ENV) node_modules/.bin/cdk deploy --no-notices -c stage=$(STAGE) $(CDK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache infra/node_modules infra/cdk.out infra/chalice.out
