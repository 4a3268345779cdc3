# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WIKI_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export WIKI_TEST_POSTGRES_URL

VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: setup run test test-sqlite test-postgres chromium html-checker lint format bench bench-search bench-report

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

run: setup
	$(BIN)/wiki db upgrade
	$(BIN)/wiki content load content --if-empty --demo-password
	$(BIN)/wiki search check --fix
	@$(BIN)/wiki content logins content
	$(BIN)/wiki run --host 127.0.0.1 --port 5000

# Browser tests drive Debian's Chromium; Playwright's own browser download is never used.
chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The Nu HTML Checker (Java is on the machine; the jar comes from the npm registry).
html-checker: $(VNU_JAR)

$(VNU_JAR):
	npm install --no-save --no-audit --no-fund --silent vnu-jar

test: setup chromium html-checker
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# The two passes run side by side (one per core); each one's output is printed as a block
	@# once it finishes.
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	@echo "=== Test suite on SQLite ==="
	WIKI_TEST_DATABASE_URL= $(BIN)/python -m pytest -p no:cacheprovider

test-postgres:
	@if $(BIN)/python -m tests.postgres_check "$(WIKI_TEST_POSTGRES_URL)"; then \
		echo "=== Test suite on PostgreSQL ($(WIKI_TEST_POSTGRES_URL)) ==="; \
		WIKI_TEST_DATABASE_URL="$(WIKI_TEST_POSTGRES_URL)" $(BIN)/python -m pytest -p no:cacheprovider; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python bench/page_view_bench.py

# Search at 10,000 and 50,000 synthetic pages: whoosh and PostgreSQL's search (databases of its
# own on the server at 127.0.0.1) against SQLite FTS5 (about 20 minutes).
bench-search: setup
	$(BIN)/python bench/search_bench.py

# The trainer's gap report over 100,000 gaps in 2,000 processes, against a plain COUNT.
bench-report: setup
	$(BIN)/python bench/report_bench.py
