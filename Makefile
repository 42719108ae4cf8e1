# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
VENV    := .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
export CRAFTREG_DATABASE_URL ?= sqlite:///var/craftreg.sqlite3

.PHONY: run test lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/craftreg init
	$(BIN)/craftreg demo
	$(BIN)/craftreg serve

test: $(VENV)/.installed-dev lint
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check craftreg tests bench
	$(BIN)/ruff format --check craftreg tests bench
	$(BIN)/mypy craftreg

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/append.py --backend sqlite
	$(BIN)/python bench/append.py --backend postgres
	$(BIN)/python bench/http.py
	$(BIN)/python bench/audit.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
