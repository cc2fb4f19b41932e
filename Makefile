# Every target creates .venv when it is missing, with the Python named in .python-version
# (or any Python >= 3.12 on PATH), installing the exact pins from constraints.txt. The package is byte-compiled
# as a wheel's install is: with PYTHONDONTWRITEBYTECODE set, every process would otherwise compile it anew.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTHON_VERSION := $(shell cat .python-version 2>/dev/null)
PYTEST_ARGS ?=

.PHONY: run test bench lint venv clean frontend

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt frontend/package-lock.json hatch_build.py
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  py=""; \
	  for c in "$$(pyenv root 2>/dev/null)/versions/$(PYTHON_VERSION)/bin/python" \
	           python$(basename $(PYTHON_VERSION)) python3.13 python3.12 python3; do \
	    p=$$(command -v "$$c" 2>/dev/null) || continue; \
	    if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then py="$$p"; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then \
	    echo "error: no Python >= 3.12 found (looked for $(PYTHON_VERSION) via pyenv, python3.13, python3.12, python3)" >&2; \
	    exit 2; \
	  fi; \
	  echo "creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'; \
	$(PY) -m compileall -q reconciler sitegen; \
	touch $(STAMP)

# The browser-side packages (xterm.js, axe-core for the accessibility tests), exactly as frontend/package-lock.json pins
# them; `make venv` installs them too, through the build hook.
frontend: frontend/node_modules/.package-lock.json

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund

# The whole job on embedded defaults: validate the starter repo, reconcile it (with no cluster configured the
# compiled manifests are exported to build/export/), sync it into the embedded PostgreSQL of its state dir and show
# the rows per table, then build its static catalog into build/site/. The server keeps running for later commands.
run: $(STAMP)
	$(VENV)/bin/portal validate repo-template
	$(VENV)/bin/portal reconcile repo-template --export build/export
	$(VENV)/bin/portal db status repo-template
	$(VENV)/bin/portal site build repo-template --out build/site
	@echo "The catalog is in build/site/ (static files: any web server serves them). Browse it, rebuilt on every change, with: $(VENV)/bin/portal site serve repo-template --out build/site"
	@echo "The embedded PostgreSQL named above keeps running for later commands; stop it with: $(VENV)/bin/portal db stop repo-template"

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m tests.bench

lint: $(STAMP)
	$(VENV)/bin/ruff check reconciler sitegen tests scripts hatch_build.py
	$(VENV)/bin/ruff format --check reconciler sitegen tests scripts hatch_build.py

clean:
	rm -rf $(VENV) .portal build dist
