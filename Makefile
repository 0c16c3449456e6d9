# Set-up and everyday commands. Every target creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_BASE := $(VENV)/.installed-base
STAMP_TEST := $(VENV)/.installed-test
#: Test processes (pytest-xdist); each browser-test process starts its own app server.
WORKERS ?= 2

#: Port of make run.
APP_PORT ?= 8501

#: Replicas and port of make serve.
REPLICAS ?= 2
PORT ?= 8080

.PHONY: serve run test test-fast test-floors fuzz bench load lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_BASE): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP_BASE) $@

install: $(STAMP_BASE)

run: $(STAMP_BASE)
	$(BIN)/python -m streamlit run Home.py --server.port $(APP_PORT)

#: N app processes behind nginx (Debian: apt-get install nginx); Ctrl-C stops them all.
serve: $(STAMP_BASE)
	$(BIN)/crucible-serve --replicas $(REPLICAS) --port $(PORT)

test: $(STAMP_TEST)
	$(BIN)/python -m pytest -n $(WORKERS)

test-fast: $(STAMP_TEST)
	$(BIN)/python -m pytest -n $(WORKERS) tests/unit tests/app

#: The unit tests and the page smoke test on the lowest version of every direct dependency
#: pyproject.toml allows (uv's lowest-direct resolution), in a venv of their own: a floor
#: that is too low fails here. Hypothesis runs with a fixed seed: this checks the floors,
#: the property tests proper run in make test.
FLOORS := .venv-floors
test-floors: $(STAMP_TEST)
	rm -rf $(FLOORS)
	$(BIN)/uv venv --quiet --python $(BIN)/python $(FLOORS)
	$(BIN)/uv pip install --quiet --python $(FLOORS)/bin/python --resolution lowest-direct -e '.[test]'
	$(FLOORS)/bin/python -m pytest -n $(WORKERS) -p no:cacheprovider --hypothesis-seed=0 \
		tests/unit tests/app/test_smoke.py

fuzz: $(STAMP_TEST)
	CRUCIBLE_FUZZ_COMBOS=150 CRUCIBLE_STATE_RERUNS=500 $(BIN)/python -m pytest -n $(WORKERS) \
		tests/app/test_fuzz.py tests/app/test_session_state.py -k "not each_extreme"

bench: $(STAMP_TEST)
	$(BIN)/python -m bench

load: $(STAMP_TEST)
	$(BIN)/python -m bench.load_test --sessions 20

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

clean:
	rm -rf $(VENV) $(FLOORS) .pytest_cache .mypy_cache .ruff_cache test-artifacts
