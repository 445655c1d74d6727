# One task runner for people and CI. `make run` and `make test` set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format check bench bench-report soak eval fit clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install ofin with its dev tools

run: setup ## Start the bot (Slack when tokens are set, otherwise a local console)
	$(PY) -m bot

test: setup ## Lint, type-check, validate the knowledge base and run the whole test suite
	$(PY) -m ruff check bot tests bench
	$(PY) -m ruff format --check bot tests bench
	$(PY) -m mypy bot
	$(PY) -m bot kb check
	# Embed the knowledge base once (cached on disk) before the tests start servers that need it.
	$(PY) -m bot ask "who patches the hypervisor" > /dev/null
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check bot tests bench
	$(PY) -m ruff format --check bot tests bench
	$(PY) -m mypy bot

format: setup
	$(PY) -m ruff format bot tests bench
	$(PY) -m ruff check --fix bot tests bench

check: setup ## Validate the knowledge base
	$(PY) -m bot kb check

bench: setup ## Measure the answer engine's latency and throughput
	$(PY) bench/bench_matcher.py --write docs/benchmarks.md

bench-report: setup ## Time the training report on a year of 5,000 people; writes docs/report-benchmark.md
	$(PY) bench/bench_report.py --write docs/report-benchmark.md

soak: setup ## Load and fault suite against the production server (a few minutes); writes docs/soak.md
	$(PY) bench/soak.py --write docs/soak.md

fit: setup ## Fit the answer engine's owner model on tests/data (writes bot/answer/owner_weights.json)
	$(PY) -m bot engine fit

eval: setup ## Score the answer engine on the shared development questions
	$(PY) ../shared/eval/score.py --cmd "$(PY) -m bot ask --json -"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
