# The two commands: `make run` and `make test`. Everything else is what they call.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast setup system-deps python-deps asterisk models voices lint bench clean

run: setup voices
	$(BIN)/ivr up

test: setup
	$(BIN)/ruff check ivr tests bench scripts
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider

# The unit tier only (tests/unit: no model, no process): under a minute, no `make setup` needed beyond the venv.
test-fast: python-deps
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

setup: system-deps python-deps asterisk models

system-deps:
	@bash scripts/install-system-deps.sh
	@bash scripts/install-test-voices.sh   # MBROLA voices for the spoken evaluation set only (non-free, never shipped)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

python-deps: $(STAMP)

asterisk:
	@bash scripts/provision-asterisk.sh

models: python-deps
	@$(BIN)/python scripts/fetch-models.py

voices: setup
	$(BIN)/ivr voices build

lint: python-deps
	$(BIN)/ruff check ivr tests bench scripts
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/asr_wer.py
	$(BIN)/python bench/kb_eval.py
	$(BIN)/python bench/spoken_eval.py --calls 20 --no-cache
	$(BIN)/python -m ivr kb calibrate --out bench/results/calibration.toml --trade-off bench/results/confirm_tradeoff.json
	$(BIN)/python bench/eos_tuning.py
	$(BIN)/python bench/turn_latency.py
	$(BIN)/python bench/capacity.py
	$(BIN)/python bench/capacity.py --nodes 1,2
	$(BIN)/python bench/soak.py

clean:
	-$(BIN)/ivr down
	rm -rf .run
