# Two commands: `make run` serves the app, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_TESTS := tests/store tests/web tests/cli tests/services tests/test_faults.py tests/test_races.py \
  tests/test_scale_out.py
# Where `make run` listens: `make run HOST=0.0.0.0 PORT=8080`. Plain assignments, so only
# the command line overrides them (zsh and some platforms export a HOST or PORT of their own).
HOST = 127.0.0.1
PORT = 5000
# The exact versions `make run`, `make test` and CI install, with their hashes;
# pyproject.toml keeps the ranges that library users get. `make lock` refreshes both.
# Both locks include the `optimize` extra (fsrs-rs-python, for `course optimize`), which
# a plain `pip install course` leaves out: its wheel declares no licence.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
PIP_TOOLS := pip-tools==7.6.2
# `make test` runs each of these, whatever the ones before it did, then a summary.
PASSES := lint test-sqlite test-pg

.PHONY: run test lint test-sqlite test-pg lock clean

# The virtualenv keeps the pip that Python bundles: the lock installs with it, as it
# must for anyone who follows the README on a fresh machine.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

$(VENV)/.dev-installed: $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@ $(VENV)/.installed

# The local trial: demo accounts (passwords printed once, when created), then serve.
run: $(VENV)/.installed
	$(BIN)/course init --demo
	$(BIN)/course serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed
	@skipped=$$(mktemp); failed=0; summary=""; \
	for pass in $(PASSES); do \
	  rm -f "$$skipped"; \
	  if PASS_SKIPPED_FILE="$$skipped" $(MAKE) --no-print-directory $$pass; then \
	    if [ -e "$$skipped" ]; then result=SKIPPED; else result=PASSED; fi; \
	  else \
	    result=FAILED; failed=1; \
	  fi; \
	  summary="$$summary$$(printf '  %-12s %s' $$pass $$result)\n"; \
	done; \
	rm -f "$$skipped"; \
	printf '\n==================== make test: every pass ====================\n'; \
	printf "$$summary"; \
	exit $$failed

# Every linter runs even when one before it fails.
lint: $(VENV)/.dev-installed
	@status=0; \
	for check in "ruff check ." "ruff format --check ." "mypy" "lint-imports"; do \
	  echo "+ $$check"; $(BIN)/$$check || status=1; \
	done; \
	exit $$status

test-sqlite: $(VENV)/.dev-installed
	$(BIN)/pytest

# The same database-facing tests again on a real PostgreSQL, in a throwaway database.
test-pg: $(VENV)/.dev-installed
	@url=$$($(BIN)/python scripts/pgtest.py create); \
	if [ -z "$$url" ]; then \
	  echo "!!!!!!!!!! PostgreSQL NOT REACHABLE: the PostgreSQL pass is SKIPPED !!!!!!!!!!"; \
	  if [ -n "$$PASS_SKIPPED_FILE" ]; then touch "$$PASS_SKIPPED_FILE"; fi; \
	  exit 0; \
	fi; \
	echo "PostgreSQL pass on $$url"; \
	COURSE_TEST_DATABASE_URL=$$url $(BIN)/pytest -p no:cacheprovider $(PG_TESTS); \
	status=$$?; $(BIN)/python scripts/pgtest.py drop $$url; exit $$status

# Refresh both locks to the newest versions pyproject.toml allows (for this Python).
lock: | $(BIN)/python
	$(BIN)/pip install --quiet "$(PIP_TOOLS)"
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --upgrade --generate-hashes \
	  --strip-extras --no-emit-index-url --no-emit-find-links --extra optimize \
	  -o $(LOCK) pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --upgrade --generate-hashes \
	  --strip-extras --no-emit-index-url --no-emit-find-links --extra optimize --extra dev \
	  --constraint $(LOCK) -o $(DEV_LOCK) pyproject.toml

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# Fuzz every route with hostile input: 100,000 requests (random seed), 0 server errors.
# Set COURSE_TEST_DATABASE_URL=postgresql://... for PostgreSQL, COURSE_FUZZ_REQUESTS=N to resize.
.PHONY: fuzz
fuzz: $(VENV)/.dev-installed
	COURSE_FUZZ_REQUESTS=$${COURSE_FUZZ_REQUESTS:-100000} $(BIN)/pytest -q -s -p no:cacheprovider tests/web/test_fuzz.py
