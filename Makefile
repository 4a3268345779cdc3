# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WIKI_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export WIKI_TEST_POSTGRES_URL

NODE_STAMP := node_modules/.installed

.PHONY: setup run test test-sqlite test-postgres system-packages node-packages html-checker lint format bench bench-search bench-find bench-report bench-process-page bench-attachments bench-markup bench-editor bench-verification bench-slow-receiver bench-comments bench-search-memory

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
	@# The worker sends mail and webhooks beside the server, and is stopped when the server stops.
	$(BIN)/wiki worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/wiki run --host 127.0.0.1 --port 5000

# Debian's programs the tests drive, installed in one apt-get run when any is missing:
# Chromium for the browser tests (Playwright's own browser download is never used), and slapd
# with openssl for the company sign-in tests (a directory of their own on a loopback port;
# no_configuration keeps the package from setting up a directory of its own), and PostgreSQL's
# client programs for the backup tests (pg_dump, pg_restore).
SYSTEM_PACKAGES := /usr/bin/chromium:chromium /usr/sbin/slapd:slapd /usr/bin/ldapsearch:ldap-utils /usr/bin/openssl:openssl /usr/bin/pg_dump:postgresql-client

system-packages:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
		test -x "$${pair%%:*}" || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the tests..."; \
		echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

# The test suite's npm packages, at the versions package-lock.json pins: the Nu HTML Checker
# (node_modules/vnu-jar/build/dist/vnu.jar; Java runs it) and oidc-provider, the OpenID provider
# of the company sign-in tests (node runs it). Installed again whenever the lock changes.
node-packages: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

html-checker: node-packages

test: setup system-packages node-packages
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

# A web worker's memory (RSS) after a mix of searches and page views, whoosh and PostgreSQL, at
# 10,000 and 50,000 pages (goal: whoosh <= 250 MB at 50,000); builds the corpora first (about
# 15 minutes; --corpus-dir DIR keeps them for the next run).
bench-search-memory: setup
	$(BIN)/python bench/search_memory_bench.py

# Find by asking: the evaluation questions of tests/data/find/ on the demo content, for whoosh
# and PostgreSQL (a database of its own on 127.0.0.1), today's strict search beside the
# current one, and the results request timed (about a minute and a half).
bench-find: setup
	$(BIN)/python bench/find_bench.py

# The trainer's gap report over 100,000 gaps in 2,000 processes, against a plain COUNT.
bench-report: setup
	$(BIN)/python bench/report_bench.py

# The process page with the most pages (5,000) at 50,000 pages, warm and cold, beside a small one.
bench-process-page: setup
	$(BIN)/python bench/process_page_bench.py

# Uploading a 5 MB image, and serving an image by its content address against the bare route.
bench-attachments: setup
	$(BIN)/python bench/attachment_bench.py

# Rendering and indexing markdown shaped to make a parser backtrack, at 10, 20 and 40 KB.
bench-markup: setup
	$(BIN)/python bench/markup_bench.py

# The editor: live preview of a 10 KB page while typing, and saving a draft, against the bare
# route (goals: p95 <= 50 ms and <= 20 ms).
bench-editor: setup
	$(BIN)/python bench/editor_bench.py

# Content health over 50,000 pages and a million page-view rows, and a save of a verified page
# that 1,000 readers hear of (a temporary SQLite file; --database-url for PostgreSQL).
bench-verification: setup
	$(BIN)/python bench/verification_bench.py

# A page with 500 comments opened over HTTP (first, fresh and repeat views) next to the same
# page without comments (goal: p95 <= 100 ms).
bench-comments: setup
	$(BIN)/python bench/comments_bench.py

# Issue 31's load: 8 editors x 50 saves beside a webhook receiver and a mail server that drip
# their answers, against a baseline run without them (about 3 minutes).
bench-slow-receiver: setup
	$(BIN)/python bench/slow_receiver_bench.py
