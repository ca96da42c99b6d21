# Grok Studio. Quick start: `make run`, then open the URL it prints. `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-postgres lint format clean bench-videos bench-gallery bench-images bench-web

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	PORT=$(PORT) $(PY) manage.py runstudio

# The suite keeps its database and cache apart from `make run`'s, unless told otherwise.
test: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	STUDIO_VAR_DIR="$${STUDIO_VAR_DIR:-$(CURDIR)/var/test}" $(PY) -m pytest $(PYTEST_ARGS)

# The same suite on a throwaway PostgreSQL 15 and Redis (Debian's postgresql-15 and redis-server).
test-postgres: $(VENV)/.dev-installed
	STUDIO_VAR_DIR=$(CURDIR)/var/postgres .ci/with-services $(MAKE) test

bench-videos: $(VENV)/.dev-installed
	$(PY) bench/videos.py $(if $(N),--inflight $(N)) $(if $(L),--latency $(L))

# Throughput against xAI's per-key rate: LOAD=1 for a busy machine, VIDEOS=1 for video starts.
bench-images: $(VENV)/.dev-installed
	$(PY) bench/images.py $(if $(N),--count $(N)) $(if $(LOAD),--load) $(if $(VIDEOS),--videos)

bench-gallery: $(VENV)/.dev-installed
	$(PY) bench/gallery.py $(if $(N),--items $(N))

# A team on one gallery: C clients (30) for S seconds (60) against gunicorn as production runs it.
bench-web: $(VENV)/.dev-installed
	$(PY) bench/web.py $(if $(N),--items $(N)) $(if $(C),--clients $(C)) $(if $(S),--seconds $(S))

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
