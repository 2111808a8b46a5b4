# Two commands: `make run` (set up, ingest corpus/ into an empty store, start the app) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test install ingest bench clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: this is the CPU build; an unpinned torch pulls a multi-GB CUDA one.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

ingest: $(STAMP)
	@if [ "$$($(BIN)/kb list --json)" = "[]" ]; then $(BIN)/kb ingest corpus/; else echo "store already holds articles: skipping the sample corpus"; fi

run: ingest
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/drcd.py

clean:
	rm -rf $(VENV)
