# Two entry points, each from a fresh clone with only Python 3.11 and make:
#   make demo   set up .venv and run the main job on the embedded sample
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STORE ?= out/demo-store
# What the demo wrote: the list of the store's commits. A workshop that saved to the store adds commits,
# so the demo then keeps the store instead of replacing it.
DEMO_PRINT := $(DEMO_STORE).written
FINGERPRINT = (cd $(DEMO_STORE) && find . -path '*/_delta_log/*' -type f | sort | xargs cat | sha256sum)

.PHONY: demo demo-store test lint setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

demo: demo-store
	rm -rf out/reports
	$(BIN)/bsc validate --store $(DEMO_STORE)
	$(BIN)/bsc report --store $(DEMO_STORE) --all-scorecards --all-periods --out out/reports --shared-plotly
	@echo "Open out/reports/index.html in a browser (works offline)."

# The demo's own sample store, rebuilt on every run -- unless something else saved to it since.
demo-store: $(STAMP)
	@if [ -e $(DEMO_STORE) ]; then \
	  if [ -f $(DEMO_PRINT) ] && [ "$$( $(FINGERPRINT) )" = "$$(cat $(DEMO_PRINT))" ]; then rm -rf $(DEMO_STORE); \
	  else echo "make demo: $(DEMO_STORE) was changed after the demo wrote it (did a workshop save to it?), so it is kept. Move it elsewhere to keep the work, or delete it, then run make demo again. For a workshop, make a store of its own: bsc init workshop-store --sample" >&2; exit 1; fi; \
	fi
	mkdir -p $(dir $(DEMO_STORE))
	$(BIN)/bsc init $(DEMO_STORE) --sample
	@$(FINGERPRINT) > $(DEMO_PRINT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out/reports .pytest_cache .mypy_cache .ruff_cache .hypothesis
