# civicstats — every task is a make target; `make` alone lists them.
# The virtual environment (.venv) is created on first use and refreshed when
# pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The package's bytecode, written once: where PYTHONDONTWRITEBYTECODE is set, every kernel and process the build
# and the tests start would otherwise compile civicstats again (about 15 s of processor time over the suite).
COMPILE = $(BIN)/python -m compileall -q civicstats >/dev/null

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
	@$(COMPILE)
	$(BIN)/civicstats build
	@echo "reports: open reports/index.html (English) or reports/fr/index.html (French)"

test: $(STAMP) ## set up, then run the whole test suite (executes the notebooks and opens the site in Chromium)
	@$(COMPILE)
	$(BIN)/python -m pytest -q -n 2 --durations=10

lab: $(STAMP) ## open JupyterLab on notebooks/ with a kernel that imports civicstats (edit notebooks/source/)
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks

bench: $(STAMP) ## time builds and checks against baselines, exit 1 on a missed target (ARGS="--quick cold": see --help)
	$(BIN)/python benchmarks/bench.py $(ARGS)

audit: $(STAMP) ## list where the sources disagree
	$(BIN)/civicstats audit --all

template: $(STAMP) ## write the data-entry workbook to civicstats-data.xlsx
	$(BIN)/civicstats template civicstats-data.xlsx

ifeq ($(strip $(DATA)),)
check: ## check a data file: make check DATA=path (a workbook, a folder of CSV files or a CSV file)
	@echo 'usage: make check DATA=path   (path: a workbook .xlsx, a folder of CSV files or a CSV file)' >&2
	@echo '       e.g. make template, fill in civicstats-data.xlsx, then: make check DATA=civicstats-data.xlsx' >&2
	@exit 2
else
check: $(STAMP)
	$(BIN)/civicstats check '$(DATA)'
endif

clean: ## remove the virtual environment and everything generated (reports, caches, bench inputs)
	rm -rf $(VENV) reports build dist *.egg-info .pytest_cache .hypothesis benchmarks/.work tests/output civicstats-data.xlsx
	find . -path ./.git -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -prune -exec rm -rf {} +
