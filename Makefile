# civicstats — every task is a make target; `make` alone lists them.
# The virtual environment (.venv) is created on first use and refreshed when
# pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help report test lab bench audit check template clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "civicstats needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

report: $(STAMP) ## set up, then build every notebook, figure and the reports site (EN + FR) from data/
	$(BIN)/civicstats build
	@echo "reports: open reports/index.html (English) or reports/fr/index.html (French)"

test: $(STAMP) ## set up, then run the whole test suite (executes the notebooks)
	$(BIN)/python -m pytest -q

lab: $(STAMP) ## open JupyterLab in the project's environment
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	$(BIN)/jupyter lab notebooks

bench: $(STAMP) ## time import, builds, check and aggregation against baselines
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/bench.py

audit: $(STAMP) ## list where the sources disagree
	$(BIN)/civicstats audit --all

template: $(STAMP) ## write the data-entry workbook to civicstats-data.xlsx
	$(BIN)/civicstats template civicstats-data.xlsx

check: $(STAMP) ## check a data file: make check DATA=path
	$(BIN)/civicstats check $(DATA)

clean: ## remove the virtual environment and the HTML reports
	rm -rf $(VENV) reports .pytest_cache
