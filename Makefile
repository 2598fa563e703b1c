# Two commands for a fresh clone: `make run` and `make test`.
# Each creates .venv and installs what is missing; both are quick when nothing changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: install run test lint typecheck wheel-test system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The stamp is newer than pyproject.toml once the install for this version of it is done.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# .venv with `suqiu` in it, nothing run: a server's first step (README, a district).
install: $(VENV)/.installed

# The sandbox's ports: `make run PORT=8010` when 8000 is taken (the dashboard takes PORT+1).
PORT ?= 8000
DASHBOARD_PORT ?= $(shell echo $$(( $(PORT) + 1 )))

run: $(VENV)/.installed
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then \
		$(BIN)/suqiu db upgrade && $(BIN)/suqiu run; \
	else \
		$(BIN)/suqiu sandbox --demo --port $(PORT) --dashboard-port $(DASHBOARD_PORT); \
	fi

# Tests need a PostgreSQL server binary and Chromium (and a Chinese font, so the dashboard's
# screenshots under tests/artifacts/ are legible); install them from Debian when missing.
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v chromium >/dev/null \
		|| [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		echo "installing postgresql, chromium and fonts-wqy-microhei with apt-get"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql chromium \
			fonts-wqy-microhei >/dev/null; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy -p bot -p issues -p nlp -p web -p sandbox -p bench

# The wheel, installed into a fresh virtualenv outside the checkout, must run on its own:
# rules, templates and static files come with the package (.ci/wheel-test).
wheel-test: $(VENV)/.installed
	PYTHON=$(PYTHON) .ci/wheel-test

# The suite runs on every core (pytest-xdist; each worker starts its own PostgreSQL), idle
# tests waiting on the sandbox while others compute: `make test XDIST=0` runs it in one process.
XDIST ?= auto
test: $(VENV)/.installed system-deps lint typecheck wheel-test
	$(BIN)/pytest -q $(if $(filter 0,$(XDIST)),,-n $(XDIST) --dist worksteal)

bench: $(VENV)/.installed
	$(BIN)/python bench/nlp_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
