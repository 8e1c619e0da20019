# make demo / make test do all the set-up: .venv, the package (editable), Debian's graphviz
# (and chromium for the page tests) when missing and we are root with apt-get.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := $(VENV)/.installed-demo

.PHONY: demo test check bench clean system-graphviz system-chromium

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The demo needs the package and matplotlib only; the test stack (PyTorch, selenium, mypy) is
# installed by `make test` alone.
$(DEMO): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[plot]'
	touch $(DEMO)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,plot]'
	touch $(STAMP) $(DEMO)

$(VENV)/.bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $(VENV)/.bench

system-graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz >/dev/null 2>&1 || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz >/dev/null; }) \
	      || { echo "error: could not install graphviz; run: sudo apt-get install graphviz"; exit 1; }; \
	  else echo "error: Graphviz 'dot' is missing; run: sudo apt-get install graphviz"; exit 1; fi; }

system-chromium:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; }) \
	      || { echo "error: could not install chromium; run: sudo apt-get install chromium chromium-driver"; exit 1; }; \
	  else echo "error: chromium is missing; run: sudo apt-get install chromium chromium-driver"; exit 1; fi; }

demo: system-graphviz $(DEMO)
	$(VENV)/bin/micrograd-covid demo --out out

check: $(STAMP)
	$(VENV)/bin/ruff check micrograd_covid tests examples benchmarks
	$(VENV)/bin/ruff format --check micrograd_covid tests examples benchmarks
	$(VENV)/bin/mypy

test: system-graphviz system-chromium $(STAMP) check
	$(PY) -m pytest -q

bench: system-graphviz $(VENV)/.bench
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
