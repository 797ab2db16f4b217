# `make run` and `make test` set everything up themselves: a .venv with the pinned packages,
# rebuilt only when pyproject.toml or constraints.txt change.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

lint: $(STAMP)
	$(VENV)/bin/ruff check studio tests bench tools main.py
	$(VENV)/bin/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# `make bundle`: the CPU one-folder app and its installers (dist/), built in its own venv
# (.venv-bundle-cpu) by packaging/build.py, then the frozen app's self-test. Not part of
# `make test`.
BUNDLE_FLAVOUR ?= cpu
BUNDLE_APP     := build/bundle/dist-$(BUNDLE_FLAVOUR)/gan-studio

.PHONY: bundle
bundle:
	$(PYTHON) packaging/build.py --flavour $(BUNDLE_FLAVOUR)
	OMP_NUM_THREADS=1 $(BUNDLE_APP)/gan-studio --self-test
