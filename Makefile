# Kyra Flow. The two commands the README promises:
#   make run    install what is needed, then start everything (`kyra up`)
#   make test   install what is needed, then run the whole test suite
.PHONY: install frontend run test test-deps lint bench

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# uv from PATH, else the copy `pip install --user uv` puts beside $(PYTHON).
UV     := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
# The offline embedding model runs on torch. Only the CPU build is ever wanted: pyproject pins
# torch==2.13.0+cpu, a version that PyPI does not serve, so it comes from this folder of local
# wheels or the install fails (it never falls back to a multi-GB CUDA build from PyPI).
TORCH_WHEELS ?= /opt/wheels
EXTRAS ?= dev,local-embeddings
FIND_LINKS := $(if $(wildcard $(TORCH_WHEELS)/torch-*.whl),--find-links $(TORCH_WHEELS))
FRONTEND_SOURCES := $(shell find frontend -path frontend/node_modules -prune \
                      -o -path frontend/dist -prune -o -type f -print 2>/dev/null)

install: $(VENV)/.installed frontend

$(VENV)/.installed: pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user --quiet uv \
	  || $(PYTHON) -m pip install --user --quiet --break-system-packages uv
	@test -x $(BIN)/python || $(UV) venv --python '>=3.11' $(VENV)
	$(UV) pip install --python $(BIN)/python $(FIND_LINKS) -e '.[$(EXTRAS)]'
	@touch $@

# The web app is built only when frontend/ exists and something in it changed.
frontend: $(if $(wildcard frontend/package.json),frontend/node_modules/.kyra-built)

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend/node_modules/.kyra-built: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build
	@touch $@

run: install
	$(BIN)/kyra up

# Chromium (browser tests) and bubblewrap (code-node sandbox), from apt when run as root.
test-deps:
	@if [ -x /usr/bin/chromium ] && command -v bwrap >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium bubblewrap; \
	else echo "note: install chromium and bubblewrap for the browser and sandbox tests"; fi

test: install test-deps
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	@for script in bench/[!_]*.py; do [ -e "$$script" ] || continue; \
	  echo "== $$script"; $(BIN)/python "$$script" || exit 1; done
