# One command to set up and run, one to set up and test. Plain commands are in the README.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test bench lint clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -r requirements.txt -r requirements-dev.txt
	touch $@

run: install
	$(BIN)/streamlit run app.py

test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/python bench/perf.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV)
