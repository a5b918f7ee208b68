# Two commands do all set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint chromium axe

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("annotator needs Python 3.11 or newer (set PYTHON=...)" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --full
	@echo ""
	@echo "  annotator is at http://127.0.0.1:$(PORT)/  (Ctrl+C stops the app, its import worker and its database)"
	@echo ""
	$(BIN)/python manage.py devserver 127.0.0.1:$(PORT)

# Browser tests drive a system Chromium (Playwright's own download needs the internet).
# CHROMIUM=/path/to/chrome picks another; otherwise Debian's package is installed if we can.
test: $(STAMP) chromium axe
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-cache
	CHROMIUM="$${CHROMIUM:-$$(command -v chromium || command -v chromium-browser)}" $(BIN)/python -m pytest

chromium:
	@if [ -n "$$CHROMIUM" ] && [ -x "$$CHROMIUM" ]; then exit 0; fi; \
	if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	if [ "$$SUDO" != none ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium fonts-noto-core fonts-noto-color-emoji >/dev/null || exit 1; \
	else \
	  echo "The browser tests need Chromium. Install your system's chromium package, or set" >&2; \
	  echo "CHROMIUM=/path/to/chrome-or-chromium and run make test again." >&2; exit 1; \
	fi

# axe-core for tests/test_accessibility.py, pinned in tests/axe/package-lock.json (npm registry).
axe:
	@if [ -d tests/axe/node_modules/axe-core ]; then exit 0; fi; \
	if ! command -v npm >/dev/null; then \
	  echo "The accessibility tests need axe-core from npm: install Node.js and npm, then run make test again." >&2; exit 1; \
	fi; \
	npm ci --prefix tests/axe --no-audit --no-fund

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
