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

.PHONY: install static book browser test test313 colab-check lint format lab notebooks notebook sync bench record clean home colab

# Offline reading: MathJax and the ipywidgets embedder are served from the book's own _static/
# (copied there from the gitignored _offline/, see _config.yml), fetched from the npm registry
# at these exact versions. No CDN at read time. Without npm the book still builds, loading the
# same versions from a CDN (one loud line says so).
MATHJAX     := mathjax@3.2.2
WIDGETS     := @jupyter-widgets/html-manager@1.0.6
REQUIREJS   := requirejs@2.3.7
STATIC_DONE := _offline/.qbook-static-3.2.2-1.0.6-2.3.7

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[learning,book]"
	@touch $(STAMP)

install: $(STAMP)

# Colab's default runtime (tests/colab/runtime.txt: Python 3.13, TensorFlow 2.20, Keras 3,
# tf_keras, ipywidgets 7.7.1, numpy 2.1.3, no TFQ) in its own environment, .venv313, without
# qbook: the chapters' first cells install it there, as on Colab. The book's .venv stays as is.
# The first Python 3.13 that runs (pyenv's shim exists even where that version is not active).
PYTHON313 ?= $(firstword $(foreach p,$(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python) python3.13,$(shell $(p) -c "print('$(p)')" 2>/dev/null)))
VENV313   := .venv313
STAMP313  := $(VENV313)/.qbook-colab-runtime

$(STAMP313): tests/colab/runtime.txt
	@test -x $(VENV313)/bin/python || $(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install -q --upgrade pip
	$(VENV313)/bin/python -m pip install -q -r tests/colab/runtime.txt
	@touch $(STAMP313)

NPM     ?= $(shell command -v npm)
NO_NPM  := WARNING: npm (Node.js) not found: the book builds, but its math and widgets will load from a CDN until npm is installed (e.g. apt-get install npm) and make runs again.

$(STATIC_DONE):
	rm -rf _build/npm _offline/mathjax _offline/widgets && mkdir -p _build/npm _offline/mathjax _offline/widgets
	cd _build/npm && npm pack --silent $(MATHJAX) $(WIDGETS) $(REQUIREJS) >/dev/null || { echo "ERROR: npm could not fetch $(MATHJAX) $(WIDGETS) $(REQUIREJS) from the registry." >&2; exit 1; }
	cd _build/npm && for f in *.tgz; do mkdir -p "$${f%.tgz}" && tar xzf "$$f" -C "$${f%.tgz}"; done
	cd _build/npm/mathjax-*/package/es5 && cp -r --parents tex-chtml.js output/chtml input/tex/extensions ui a11y sre ../../../../../_offline/mathjax/
	cd _build/npm/jupyter-widgets-html-manager-*/package/dist && cp embed-amd.js *.woff *.woff2 *.ttf *.eot *.svg ../../../../../_offline/widgets/
	cp _build/npm/requirejs-*/package/require.js _offline/widgets/require.js
	@touch $@

## Fetch the offline MathJax and widget scripts into _offline/ (needs npm once; without npm
## the book is built to load them from a CDN, see _ext/qbook_html.py).
ifeq ($(strip $(NPM)),)
static:
	@echo "$(NO_NPM)" >&2
else
static: $(STATIC_DONE)
endif

## Build the HTML book, executing every chapter (warnings are errors).
book: install static
	$(BIN)/jupyter-book build . -W -n --keep-going

## Open every page of the built book (_build/html) in headless Chromium; screenshots in _build/screenshots.
browser: install
	QBOOK_HTML=_build/html $(BIN)/python -m pytest tests/test_browser.py -p no:cacheprovider

## Lint, unit tests (the HTML and JupyterLab browser tests included), then every chapter
## notebook under nbval, in the small profile; then the Colab check. Chapters 09 and 11 run
## under nbval in tests/test_threads.py instead, once with 1 and once with 4 BLAS/OpenMP threads.
THREAD_CHAPTERS := book/09_qaoa.ipynb book/11_minimal_encoding.ipynb
NBVAL_ONCE      := $(filter-out $(THREAD_CHAPTERS),$(sort $(wildcard book/[0-9]*.ipynb)))
test: install static
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests $(NBVAL_ONCE) --nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider --durations=30
	$(MAKE) colab-check

## The Colab check (tests/colab/check.py): every Colab notebook in colab/ top to bottom through
## its real first cell, on Colab's default runtime (.venv313) with a google.colab stand-in and the
## book's home pointed at a snapshot of this checkout; seconds per chapter in _build/colab-check.json.
colab-check: export QBOOK_OFFLINE := 1
colab-check: $(STAMP313)
	env -u PYTHONPATH -u QBOOK_QML_BACKEND $(VENV313)/bin/python -m pytest tests/colab/check.py -p no:cacheprovider -v

## The former Python 3.13 check (chapters 2-6 on Keras 3 without TFQ) is part of the Colab check.
test313: colab-check

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

## JupyterLab on the repository: chapters open as notebooks with their outputs, MyST rendered
## (lab/jupyter_lab_config.py; tests/test_lab.py starts the same).
lab: install
	$(BIN)/jupyter lab --config=lab/jupyter_lab_config.py

## Keep every .ipynb in step with its .md source (cells only, outputs kept).
sync: install
	$(BIN)/jupytext --sync book/[0-9]*.md
	$(BIN)/python tools/colab_notebooks.py

## Re-execute one chapter and write its .ipynb with fresh outputs: make notebook NB=book/07_qubo_ising.md
notebook: install
	$(BIN)/jupytext --to ipynb --execute --set-kernel python3 $(NB)
	$(BIN)/python tools/colab_notebooks.py

## Re-execute every chapter (the committed outputs come from this).
notebooks: install
	for f in book/[0-9]*.md; do $(BIN)/jupytext --to ipynb --execute --set-kernel python3 $$f || exit 1; done
	$(BIN)/python tools/colab_notebooks.py

## The notebooks the Colab button opens, colab/NN_name.ipynb: plain Markdown made from the
## chapters, with their outputs (tools/colab_notebooks.py; a test fails when they are stale).
colab: install
	$(BIN)/python tools/colab_notebooks.py

## After changing the book's home (_config.yml `repository:`): rewrite every copy of the address
## (qbook/common/colab.py, pyproject.toml, the chapters' first cells), then the Colab notebooks.
home: install
	$(BIN)/python tools/home.py
	$(BIN)/python tools/colab_notebooks.py

## Benchmarks: JSON results in qbook/common/recorded/benchmarks/ (installed with the package).
bench: install
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

## After `make notebooks`: copy each chapter's latest run (results/*.jsonl) into the package,
## qbook/common/recorded/chapters/, the book's recorded figures that chapter 13 shows on a fresh
## runtime (Colab) for the chapters that have not run there. Commit the folder.
record: install
	$(BIN)/python benchmarks/record_book.py

clean:
	rm -rf _build .pytest_cache
