# Two set-up commands: `make run` and `make test`. Everything else is for developers.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run run-local test test-fast bench bench-pg bench-quick bench-local soak clean chromium nginx

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# llama.cpp's server and a small local model (Gemma 3 270M): `make run-local` and tests/realmodel/.
# Each venv builds llama.cpp from source (~4 min on 2 cores) for x86-64-v3 (AVX2, FMA), not the
# build machine's every feature: a native build on a CPU listing AMX died of an invalid opcode
# (`tilezero`) at its first completion, and pip's wheel cache handed that build to every later venv,
# so the cache is not used for it.
LLAMA_CMAKE_ARGS = -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
$(VENV)/.installed-local: requirements-local.txt | $(BIN)/python
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q --no-cache-dir "$$(grep '^llama-cpp-python' requirements-local.txt)"
	$(BIN)/pip install -q -r requirements-local.txt
	$(BIN)/python scripts/localmodel.py
	touch $@

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT)

# The app on a real local model: no key, no network (the server stops when the app stops).
run-local: $(VENV)/.installed $(VENV)/.installed-local
	$(BIN)/python scripts/run_local.py --port $(PORT)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  echo "Installing Debian's nginx for the load-balancer test (deploy/nginx.conf)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null; }

test: $(VENV)/.installed-dev $(VENV)/.installed-local chromium nginx
	$(BIN)/python -m pytest -q

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m "not browser"

$(VENV)/.installed-bench: requirements-bench.txt $(VENV)/.installed-dev
	$(BIN)/pip install -q -r requirements-bench.txt
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench
	$(BIN)/python -m bench.postgres
	$(BIN)/python -m bench.pg_streams

# History search, filter and costs at 1M rows on PostgreSQL (127.0.0.1:5432 db test, or GENLIB_BENCH_PG_URL),
# then the streaming keys on PostgreSQL + Redis with two replicas (GENLIB_BENCH_REDIS_URL, default local).
bench-pg: $(VENV)/.installed-bench
	$(BIN)/python -m bench.postgres
	$(BIN)/python -m bench.pg_streams

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python -m bench --quick

bench-local: $(VENV)/.installed-bench $(VENV)/.installed-local
	$(BIN)/python -m bench.realmodel

soak: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m soak --run-soak

clean:
	rm -rf $(VENV) .pytest_cache
