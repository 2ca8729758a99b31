# XieTong 协同监督平台. `make demo` and `make test` work on a fresh Debian machine with
# Python 3.11+, git and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install install-test demo serve test test-sqlite test-postgres bench lint browser-deps clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	# The build backend (setuptools) is pinned in the lock file: no isolated build env to fetch.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock requirements-spark.lock
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-test.lock
	# PySpark for the engine conformance suite (local mode; needs Java 17).
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-spark.lock
	touch $@

# Debian's Chromium and CJK fonts for the browser tests (never a downloaded browser build).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "需要 Debian 软件包 chromium 和 fonts-noto-cjk：sudo apt-get install -y chromium fonts-noto-cjk"; exit 1; \
	  fi; \
	fi

demo: install
	$(BIN)/xietong demo
	@echo "协同监督平台：http://$(HOST):$(PORT)/  （Ctrl+C 停止）"
	$(BIN)/xietong serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/xietong serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite; in CI (CI=true) again on PostgreSQL.
test: install-test browser-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q -p no:cacheprovider
	@if [ "$$CI" = "true" ] || [ -n "$$XIETONG_TEST_POSTGRES" ]; then \
	  echo "== PostgreSQL =="; \
	  DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q -p no:cacheprovider; \
	fi

test-postgres: install-test browser-deps
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q -p no:cacheprovider

bench: install-test
	$(BIN)/python bench/run.py

lint: install-test
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) var/static
