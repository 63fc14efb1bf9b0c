# Two commands: `make run` serves the app, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_TESTS := tests/store tests/web tests/cli tests/services

.PHONY: run test lint test-sqlite test-pg e2e-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/course serve

test: lint test-sqlite test-pg

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test-sqlite: $(VENV)/.dev-installed
	$(BIN)/pytest

# The same database-facing tests again on a real PostgreSQL, in a throwaway database.
test-pg: $(VENV)/.dev-installed
	@url=$$($(BIN)/python scripts/pgtest.py create); \
	if [ -z "$$url" ]; then \
	  echo "!!!!!!!!!! PostgreSQL NOT REACHABLE: the PostgreSQL pass is SKIPPED !!!!!!!!!!"; \
	  exit 0; \
	fi; \
	echo "PostgreSQL pass on $$url"; \
	COURSE_TEST_DATABASE_URL=$$url $(BIN)/pytest -p no:cacheprovider $(PG_TESTS); \
	status=$$?; $(BIN)/python scripts/pgtest.py drop $$url; exit $$status

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# Fuzz every route with hostile input: 100,000 requests (random seed), 0 server errors.
# Set COURSE_TEST_DATABASE_URL=postgresql://... for PostgreSQL, COURSE_FUZZ_REQUESTS=N to resize.
.PHONY: fuzz
fuzz: $(VENV)/.dev-installed
	COURSE_FUZZ_REQUESTS=$${COURSE_FUZZ_REQUESTS:-100000} $(BIN)/pytest -q -s -p no:cacheprovider tests/web/test_fuzz.py
