# Two entry points, each from a fresh clone with only Python 3.11 and make:
#   make demo   set up .venv and run the main job on the embedded sample
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE_STORE ?= sample-store

.PHONY: demo test lint setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

demo: $(STAMP)
	rm -rf $(SAMPLE_STORE) out/reports
	$(BIN)/bsc init $(SAMPLE_STORE) --sample
	$(BIN)/bsc validate --store $(SAMPLE_STORE)
	$(BIN)/bsc report --store $(SAMPLE_STORE) --all-scorecards --all-periods --out out/reports --shared-plotly
	@echo "Open out/reports/index.html in a browser (works offline)."

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(SAMPLE_STORE) .pytest_cache .mypy_cache .ruff_cache .hypothesis
