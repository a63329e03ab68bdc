# Two commands do all the set-up on a fresh machine with Python 3.11, make and npm:
#   make demo   - install, then open the app on the embedded Baodi demo (http://localhost:8501)
#   make test   - install, then run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo app check test bench

# Python packages into .venv; Leaflet and jQuery from npm (pinned in package-lock.json),
# copied into static/vendor/ so the map works offline
$(BIN)/.installed: requirements.txt package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	npm ci --ignore-scripts --no-audit --no-fund
	$(BIN)/python -m planning.outputs.assets
	touch $@

demo: app

app: $(BIN)/.installed
	$(BIN)/streamlit run app.py

check: $(BIN)/.installed
	$(BIN)/python -m planning check --out gaps.gpkg --summary summary.json

test: $(BIN)/.installed
	$(BIN)/python -m pytest

bench: $(BIN)/.installed
	$(BIN)/python -m planning bench --scale demo
