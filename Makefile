# Flownally Supervisor: `make demo` runs it on the simulator, `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Django 6 needs Python >= 3.12; take 3.13 (the project's version) or 3.12, whichever runs.
PYTHON ?= $(shell for c in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 \
	$$HOME/.pyenv/versions/3.12*/bin/python3 /usr/local/bin/python3.13 /usr/bin/python3.13 python3; do \
	"$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo "$$c"; break; }; done)

.PHONY: demo test test-fast system-deps lint bench bench-sim bench-client bench-index bench-faults venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.13 or 3.12 is required (Django 6 needs >= 3.12) and neither was found." >&2; \
		echo "Install one (e.g. 'pyenv install 3.13') or run: make PYTHON=/path/to/python3.13 ..." >&2; \
		exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The dashboard on DEMO_PORT, the simulator on SIM_PORT; Ctrl-C or SIGTERM stops both.
DEMO_PORT ?= 8000
SIM_PORT ?= 8100
demo: $(STAMP)
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py demo --port $(DEMO_PORT) --sim-port $(SIM_PORT)

test: $(STAMP) system-deps
	$(PY) -m pytest

# What the suite needs from the system, as `command-or-path:debian-package`: Chromium for the
# browser tests, its emoji font, wrk for the benchmark's smoke test, curl for the reference's
# examples. Installed with apt-get when missing (sudo when not root); where that cannot
# work, one line says what to run, before any test starts.
SYSTEM_DEPS := /usr/bin/chromium:chromium \
	/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf:fonts-noto-color-emoji \
	wrk:wrk curl:curl
system-deps:
	@missing=; for dep in $(SYSTEM_DEPS); do what=$${dep%%:*}; \
		case $$what in /*) [ -e "$$what" ] ;; *) command -v "$$what" >/dev/null ;; esac \
		|| missing="$$missing $${dep##*:}"; done; \
	[ -z "$$missing" ] && exit 0; \
	sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	if command -v apt-get >/dev/null && { [ -z "$$sudo" ] || [ -t 0 ] || sudo -n true 2>/dev/null; }; then \
		echo "Installing$$missing (apt-get)"; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
			--no-install-recommends $$missing >/dev/null && exit 0; fi; \
	echo "The tests need$$missing: run \`sudo apt-get install -y$$missing\` (or your system's equivalent), then make test again." >&2; \
	exit 1

# Everything but the browser tests and those that start real processes or wait seconds of
# real time, in 4 processes (pytest-xdist: most of the suite waits on the simulator, not
# the CPU), for quick checks while working. `make test` runs everything, in one process.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser and not slow" -n 4

# The dashboard under load on this machine (issue 6): the simulator at 50 ms per request,
# gunicorn as the Dockerfile runs it, wrk driving each scenario. Prints the numbers and the
# targets; writes them to bench-results.json. wrk and Chromium come from apt when missing.
bench: $(STAMP) system-deps
	$(PY) -m bench --out bench-results.json

# The simulator's start-up time and list latency on a 100,000-conversation tenant.
bench-sim: $(STAMP)
	$(PY) -m bench.sim --conversations 100000

# The Flownally client: overhead per call, cache hits (local memory and Redis), fan-out, single-flight.
bench-client: $(STAMP)
	$(PY) -m bench.client --redis-url redis://127.0.0.1:6379/13

# The open-queue index: upstream requests and time per walk at 1,000, 10,000 and 100,000
# open conversations, and what that costs Flownally per hour.
bench-index: $(STAMP)
	$(PY) -m bench.index

# Issue 13's fault probe: Flownally hanging or failing, Redis killed or hung, a worker killed
# mid-read, password guessing, sign-ins under load; three gunicorn instances on a PostgreSQL
# database and a Redis server of its own (both removed afterwards). Writes bench-faults.json.
bench-faults: $(STAMP)
	$(PY) -m bench.faults --out bench-faults.json

# ruff (lint and format) and mypy with django-stubs (its settings: pyproject.toml).
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=true $(PY) -m mypy

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
