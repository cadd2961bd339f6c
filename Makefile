# Everything runs from a project virtualenv that the first target creates (a fresh machine needs
# only python3 with venv and pip). pip installs uv (requirements-uv.txt) into it and uv installs the
# pinned requirements, linked from its cache: seconds, where pip alone takes minutes (it byte-compiles
# all 3,000 modules of pulumi-aws, of which a run imports a few dozen). Python compiles what a command
# imports on first use; where it may not write bytecode (PYTHONDONTWRITEBYTECODE set), it would
# recompile on every run, so uv compiles everything up front then. Plain pip does it all when uv
# cannot be installed, or with INSTALLER=pip.
VENV      := .venv
PYTHON    := $(VENV)/bin/python
PIP       := $(PYTHON) -m pip --quiet --disable-pip-version-check
INSTALLER ?= uv
STACK     ?= dev
PROGRAM   ?= .
REQUIREMENTS := -r requirements-dev.txt -r policies/requirements.txt

.PHONY: preview test audit lint bench ci

$(VENV)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt requirements-uv.txt
	@echo "Creating $(VENV) and installing the pinned requirements (INSTALLER=$(INSTALLER))"
	python3 -m venv $(VENV)
	@if [ "$(INSTALLER)" = uv ] && $(PIP) install -r requirements-uv.txt; then \
	  $(VENV)/bin/uv pip install --quiet $(if $(PYTHONDONTWRITEBYTECODE),--compile-bytecode) --python $(PYTHON) $(REQUIREMENTS); \
	else \
	  echo "Installing with pip: this takes a few minutes." && $(PIP) install $(REQUIREMENTS); \
	fi
	touch $@

## Offline preview of a stack: the program (this one, or PROGRAM=<dir> of any Pulumi Python program) under
## Pulumi's mock runtime (no AWS, no CLI), judged by the policy pack. make exits 2 on any failure; its
## "Error N" line carries the preview's own code (1: mandatory violation, 2: the program could not run).
preview: $(VENV)/.installed
	$(PYTHON) -m offline.preview --program $(PROGRAM) --stack $(STACK)

## The test suite.
test: $(VENV)/.installed
	$(PYTHON) -m pytest

## Benchmarks: program evaluation and scaling, the policy pack over gRPC, a newcomer's first command.
bench: $(VENV)/.installed
	$(PYTHON) -m benchmarks.program
	$(PYTHON) -m benchmarks.policy_pack
	$(PYTHON) -m benchmarks.first_run

## Audit existing stacks with the policy pack, as on their next update: make audit STATE="prod.json dev.json"
## (files from `pulumi stack export`); JSON=<file> and SARIF=<file> write those reports too.
audit: $(VENV)/.installed
	$(PYTHON) -m offline.audit $(STATE) $(if $(JSON),--json $(JSON)) $(if $(SARIF),--sarif $(SARIF))

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

ci: lint test
	$(MAKE) preview STACK=dev
	$(MAKE) preview STACK=prod
