# Collapse Explorer. Two commands on a fresh machine:
#   make run    set up .venv and start the app on http://localhost:8501
#   make test   set up .venv and run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test test-e2e bench bench-speed install clean screenshot

$(STAMP): requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true

test: $(STAMP)
	$(PY) -m pytest

# the browser tests alone (Playwright + /usr/bin/chromium; `make test` runs them too)
test-e2e: $(STAMP)
	$(PY) -m pytest tests/e2e

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# the speed budget alone: page times per preset (theory, Monte Carlo) and browser first render
bench-speed: $(STAMP)
	$(PY) bench/bench_speed_budget.py

SHOTS ?= regression
screenshot: $(STAMP)
	$(PY) scripts/screenshot.py $(SHOTS)

clean:
	rm -rf $(VENV) .pytest_cache
