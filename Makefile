# SmartAlloc — the two commands: `make demo` (the main job) and `make test` (all tests).
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: env demo serve test sweep lint bench clean i18n

KERNEL := $(BIN)/.kernel

# --compile-bytecode: these machines set PYTHONDONTWRITEBYTECODE, so a .pyc not written here is
# never written, and every run compiled its imports again (+1.2 s at 1k; issue P).
$(BIN)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv
	$(UV) sync --frozen --python python3.11 --compile-bytecode
	@touch $@

# uv compiles site-packages only, not the project itself (installed editable from src/): compile
# it here, again whenever a source changes (a stale .pyc is only ignored, never run).
PYC := $(BIN)/.bytecode
$(PYC): $(BIN)/.synced $(shell find src -name '*.py')
	$(BIN)/python -m compileall -q -j 0 src
	@touch $@

# The compiled hot loops of the batch and the package guard (Cython, built in place next to
# their sources).
$(KERNEL): $(BIN)/.synced $(wildcard src/smartalloc/*/*_kernel.pyx) tools/build_kernel.py
	$(BIN)/python tools/build_kernel.py
	@touch $@

env: $(BIN)/.synced $(KERNEL) $(PYC)

# axe-core for the accessibility tests, pinned by its lock file (npm is a package registry).
AXE := tools/axe/node_modules/axe-core/axe.min.js
$(AXE): tools/axe/package.json tools/axe/package-lock.json
	npm ci --prefix tools/axe --no-audit --no-fund --silent
	@touch $@

demo: env  ## synthetic agency → full pipeline → prints where the workbooks are
	$(BIN)/smartalloc demo --out demo-out

# The service and the operators' pages on localhost. The first start makes the data folder's
# settings file (generated secrets) and an admin, whose one-time password it prints once.
PORT ?= 8000
serve: env  ## → http://127.0.0.1:$(PORT)/ui/login
	$(BIN)/smartalloc serve --port $(PORT)

lint: env
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/lint-imports

test: lint $(AXE)  ## ruff + import-linter contracts + every test
	$(BIN)/pytest

# The pages' words: extract every message id (templates, web package) into messages.pot and
# merge it into the Persian catalog, which a translator edits (its new entries are empty).
LOCALE := src/smartalloc/entrypoints/web/locale
i18n: env  ## extract the pages' words → $(LOCALE)/fa/LC_MESSAGES/messages.po to translate
	$(BIN)/pybabel -q extract -F babel.cfg -k t --project SmartAlloc --no-wrap --sort-by-file \
		-o $(LOCALE)/messages.pot .
	$(BIN)/pybabel -q update -i $(LOCALE)/messages.pot -d $(LOCALE) -l fa --no-wrap \
		--no-fuzzy-matching --ignore-obsolete

sweep: env  ## every fault-injection point (a kill at each syscall of publish and commit; minutes)
	$(BIN)/pytest -m sweep

bench: env  ## every benchmark (pipeline, database, relay, API load, live intake, what-if, pages at 100k) → docs/performance.md
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq wrk >/dev/null; } || echo "wrk not installed: the API load uses httpx threads"
	$(BIN)/python benchmarks/pipeline_bench.py --write-doc docs/performance.md
	$(BIN)/python benchmarks/floor_bench.py --write-doc docs/performance.md
	$(BIN)/python benchmarks/db_bench.py --write-doc docs/performance.md
	$(BIN)/python benchmarks/relay_bench.py --write-doc docs/performance.md
	$(BIN)/python benchmarks/api_bench.py --write-doc docs/performance.md
	$(BIN)/python benchmarks/intake_bench.py --write-doc docs/performance.md
	$(BIN)/python benchmarks/whatif_bench.py --write-doc docs/performance.md
	$(BIN)/python benchmarks/web_pages_bench.py --write-doc docs/performance.md

clean:
	rm -rf demo-out bench-out .pytest_cache .ruff_cache build src/smartalloc/domain/*.so $(KERNEL) $(PYC)
