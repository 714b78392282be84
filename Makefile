# Collapse Explorer. Two commands on a fresh machine:
#   make run    set up .venv and start the app on http://localhost:8501
#   make test   set up .venv and run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test bench install clean screenshot

$(STAMP): requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

screenshot: $(STAMP)
	$(PY) scripts/screenshot.py

clean:
	rm -rf $(VENV) .pytest_cache
