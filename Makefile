# Common commands. Everything runs inside .venv, created on first use from the lock file.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint format typecheck eval bench

$(BIN)/uv:
	python3 -m venv $(VENV)
	$(BIN)/pip install -q uv

install: $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact

run: install
	$(BIN)/rehearse serve

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy app

eval: install
	$(BIN)/rehearse eval retrieval && $(BIN)/rehearse eval coder && $(BIN)/rehearse eval scorer && $(BIN)/rehearse eval persona

bench: install
	$(BIN)/python bench/score_bench.py && $(BIN)/python bench/retrieval_bench.py
