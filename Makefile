# Common commands. Everything runs inside .venv, created on first use from the lock file.
# `install` is what the service needs (no dev group); `install-dev` adds pytest, ruff, mypy,
# playwright... for the targets that check the code. --inexact keeps uv itself (pip-installed)
# and, after a dev install, the dev tools.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-dev run test check lint format typecheck imports coder-current eval bench train-coder

$(BIN)/uv:
	python3 -m venv $(VENV)
	$(BIN)/pip install -q uv

install: $(BIN)/uv
	$(BIN)/uv sync --frozen --no-dev --inexact --compile-bytecode

install-dev: $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact

run: install
	$(BIN)/rehearse serve

test: install-dev
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

typecheck: install-dev
	$(BIN)/mypy app

imports: install-dev
	$(BIN)/lint-imports

# The shipped classifier head was fitted on the statements today's rules cut from today's
# training lines (about 20 s: every training line is read by the rules once).
coder-current: install-dev
	$(BIN)/python evals/coder/train_coder.py --check

# The gates CI runs before the tests: lint, format, strict types (pyproject's [tool.mypy]),
# the import contracts (pyproject's [tool.importlinter]) and a current coder head. Each stops
# the build on failure.
check: lint typecheck imports coder-current

eval: install
	$(BIN)/rehearse eval retrieval && $(BIN)/rehearse eval coder && $(BIN)/rehearse eval scorer && $(BIN)/rehearse eval persona

bench: install
	$(BIN)/python bench/score_bench.py && $(BIN)/python bench/retrieval_bench.py && $(BIN)/python bench/startup_bench.py

# Fine-tune the utterance coder (CPU, fixed seed) into app/scoring/model/. Training-only packages
# live in their own venv so that neither README command installs torch.
TRAIN_VENV := .venv-train
train-coder:
	test -x $(TRAIN_VENV)/bin/python || python3 -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install -q torch==2.13.0
	$(TRAIN_VENV)/bin/pip install -q -r training/coder/requirements.txt
	$(TRAIN_VENV)/bin/python training/coder/corpus.py
	$(TRAIN_VENV)/bin/python training/coder/train.py
