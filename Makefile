# Two entry points for a fresh machine (see README): `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup serve test lint browser index

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# Pinned CPU build first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[st,dev]"
	touch $@

setup: $(BIN)/.installed

# Debian's Chromium for the browser tests; Playwright never downloads a browser of its own.
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

index: setup
	$(BIN)/assistant index --check >/dev/null 2>&1 || $(BIN)/assistant index

serve: index
	$(BIN)/assistant serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy assistant

test: setup browser lint
	$(BIN)/pytest -q
