# One command to set up and run, one to set up and test. Plain commands are in the README.
# `make run` installs the runtime only; the test and lint tools (pytest, ruff, playwright) come
# with `make test` / `make lint` / `make install-dev`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install install-dev run test bench lint clean

install: $(VENV)/.installed-runtime

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-runtime requirements-dev.txt
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

run: install
	$(BIN)/python -m assistant serve

test: install-dev
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/python bench/perf.py

lint: install-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV)
