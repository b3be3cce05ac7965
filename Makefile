# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test install install-test browser check chat bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: the helpline on SQLite with its simulator, on http://127.0.0.1:$(PORT)
run: install
	APP_ENV=development $(BIN)/flask --app app db upgrade
	APP_ENV=development $(BIN)/flask --app app directory load --if-empty flows/directory/sample.yaml
	APP_ENV=development $(BIN)/flask --app app flows check
	@echo
	@echo "  The helpline is starting on http://127.0.0.1:$(PORT)"
	@echo "  Simulator (talk to the bot as a phone would): http://127.0.0.1:$(PORT)/simulator"
	@echo "  Console for counsellors: http://127.0.0.1:$(PORT)/console/"
	@APP_ENV=development $(BIN)/flask --app app users dev-login
	@echo "  Health: http://127.0.0.1:$(PORT)/healthz     Stop with Ctrl-C."
	@echo
	APP_ENV=development $(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

## make test: the whole suite (PostgreSQL and Redis tests use TEST_DATABASE_URL / REDIS_URL)
test: install-test browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The console's browser tests drive Debian's chromium (never a browser downloaded by Playwright).
# Installed here when missing and possible (root with apt-get); otherwise those tests say why they skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; } || \
	    echo "could not install chromium: the browser tests will be skipped (failed under CI=true)"; \
	  else echo "chromium is not installed (apt-get install chromium): the browser tests will be skipped"; fi; }

## helpers
check: install
	APP_ENV=development $(BIN)/flask --app app flows check

chat: install
	APP_ENV=development $(BIN)/flask --app app db upgrade
	APP_ENV=development $(BIN)/flask --app app chat

bench: install-test
	$(BIN)/python bench/webhook_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
