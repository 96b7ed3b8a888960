# Two entry points for a fresh machine (see README): `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
# Where pip finds the CPU-only PyTorch that the tests' sentence-transformers path needs; empty:
# the configured index. On an ordinary machine: TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
# --no-compile: Python compiles what it imports on first use; compiling every module of every
# dependency at install time added 48 MB to the serving venv.
PIP := $(BIN)/pip install --quiet --no-compile

.PHONY: setup test-setup serve test lint browser postgres index

# Serving: the core package alone (no PyTorch, sentence-transformers, Playwright or dev tools).
$(BIN)/.core: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e .
	touch $@

# Tests: the core package plus the `st` and `dev` extras. torch is pinned to a CPU build
# first, so that sentence-transformers does not pull a multi-GB CUDA build.
$(BIN)/.test: $(BIN)/.core
	$(PIP) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "torch==2.13.0"
	$(PIP) -e ".[st,dev]"
	touch $@

setup: $(BIN)/.core
test-setup: $(BIN)/.test

SUDO = $$(if [ "$$(id -u)" = 0 ]; then echo; else echo sudo; fi)

# Debian's Chromium for the browser tests; Playwright never downloads a browser of its own.
browser:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL server binaries for the store tests, which start a throwaway cluster of
# their own (tests/postgres.py); the package's default cluster is not used.
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

index: setup
	$(BIN)/assistant index --check >/dev/null 2>&1 || $(BIN)/assistant index

serve: index
	$(BIN)/assistant serve

lint: test-setup
	$(BIN)/ruff check .
	$(BIN)/mypy assistant

test: test-setup browser postgres lint
	$(BIN)/pytest -q
