# qbook: the two commands of the README are `make book` and `make test`.
# Both create the virtual environment in .venv when it is missing and install the project.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.qbook-installed
export QBOOK_PROFILE ?= small
export PYTHONHASHSEED := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# The tests never touch the network: data falls back to the synthetic stand-in.
test: export QBOOK_OFFLINE := 1

.PHONY: install book test lint format lab notebooks notebook sync bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[learning,book]"
	@touch $(STAMP)

install: $(STAMP)

## Build the HTML book, executing every chapter (warnings are errors).
book: install
	$(BIN)/jupyter-book build . -W -n --keep-going

## Lint, unit tests, then every chapter notebook under nbval, in the small profile.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests book/*.ipynb --nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

## JupyterLab with the .md chapters opening as notebooks (jupytext).
lab: install
	$(BIN)/jupyter lab book/

## Keep every .ipynb in step with its .md source (cells only, outputs kept).
sync: install
	$(BIN)/jupytext --sync book/[0-9]*.md

## Re-execute one chapter and write its .ipynb with fresh outputs: make notebook NB=book/07_qubo_ising.md
notebook: install
	$(BIN)/jupytext --to ipynb --execute --set-kernel python3 $(NB)

## Re-execute every chapter (the committed outputs come from this).
notebooks: install
	for f in book/[0-9]*.md; do $(BIN)/jupytext --to ipynb --execute --set-kernel python3 $$f || exit 1; done

## Benchmarks: JSON results in benchmarks/results/.
bench: install
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build .pytest_cache
