# Everything runs from a project virtualenv that the first target creates (a fresh machine needs
# only python3 with venv and pip).
VENV   := .venv
PYTHON := $(VENV)/bin/python
STACK  ?= dev
PROGRAM ?= .

.PHONY: preview test audit lint bench ci

$(VENV)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r policies/requirements.txt
	touch $@

## Offline preview of a stack: the program (this one, or PROGRAM=<dir> of any Pulumi Python program) under
## Pulumi's mock runtime (no AWS, no CLI), judged by the policy pack. make exits 2 on any failure; its
## "Error N" line carries the preview's own code (1: mandatory violation, 2: the program could not run).
preview: $(VENV)/.installed
	$(PYTHON) -m offline.preview --program $(PROGRAM) --stack $(STACK)

## The test suite.
test: $(VENV)/.installed
	$(PYTHON) -m pytest

## Benchmarks: program evaluation and scaling, then the policy pack over gRPC.
bench: $(VENV)/.installed
	$(PYTHON) -m benchmarks.program
	$(PYTHON) -m benchmarks.policy_pack

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
