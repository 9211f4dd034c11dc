# Every target works on a fresh machine with only python3: the venv is created on first use
# and reused while pyproject.toml is unchanged.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= build/demo

.PHONY: demo test check bench bench-quick clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	@rm -rf $(OUT) $(OUT).preview
	@mkdir -p $(dir $(OUT))
	$(VENV)/bin/prelabel convert fixtures/coco/demo/instances.json --from coco --emit auto \
		--out $(OUT) --report $(OUT).report.json
	$(VENV)/bin/prelabel validate $(OUT)
	$(VENV)/bin/prelabel preview $(OUT) --out $(OUT).preview --images fixtures/coco/demo
	@echo "demo: jobs in $(OUT)/, report in $(OUT).report.json"
	@echo "demo: preview: open $(OUT).preview/index.html"

test: $(STAMP)
	$(PY) -m pytest -q

check: $(STAMP)
	$(VENV)/bin/ruff check converters tests benchmarks
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_convert.py --boxes 1000000
	$(PY) benchmarks/bench_submit.py
	$(PY) benchmarks/bench_hostile.py
	$(PY) benchmarks/bench_adapters.py
	$(PY) benchmarks/bench_preview.py
	$(PY) benchmarks/bench_link.py
	$(PY) benchmarks/bench_workers.py
	$(PY) benchmarks/bench_globox.py
	$(PY) benchmarks/bench_memory.py

bench-quick: $(STAMP)
	$(PY) benchmarks/bench_convert.py --boxes 100000

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
