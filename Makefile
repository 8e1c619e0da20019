# make demo / make test do all the set-up: .venv, the package (editable), Debian's graphviz
# (and chromium for the page tests) when missing and we are root with apt-get.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := $(VENV)/.installed-demo

.PHONY: demo test check bench clean system-graphviz system-chromium vendor

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The demo needs the package and matplotlib only; the test stack (PyTorch, selenium, mypy, and
# JupyterLab with nbclient to run the notebooks) is installed by `make test` alone.
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

# KaTeX for the explore page, from the npm registry at one exact version, into a gitignored
# folder inside the package (hatchling ships it as an artifact); explore() inlines it.
KATEX        := 0.19.1
KATEX_DIR    := micrograd_covid/page/vendor/katex
KATEX_STAMP  := $(KATEX_DIR)/.version-$(KATEX)

vendor: $(KATEX_STAMP)

$(KATEX_STAMP):
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null 2>&1 || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null; }) \
	      || { echo "error: could not install npm; run: sudo apt-get install npm"; exit 1; }; \
	  else echo "error: npm is needed to fetch KaTeX; install Node.js and npm (Debian/Ubuntu: sudo apt-get install npm)"; exit 1; fi; }
	rm -rf $(KATEX_DIR) $(KATEX_DIR).tmp
	mkdir -p $(KATEX_DIR).tmp $(KATEX_DIR)/fonts
	cd $(KATEX_DIR).tmp && npm pack --silent katex@$(KATEX) >/dev/null
	tar -xzf $(KATEX_DIR).tmp/katex-$(KATEX).tgz -C $(KATEX_DIR).tmp
	cp $(KATEX_DIR).tmp/package/dist/katex.min.js $(KATEX_DIR).tmp/package/dist/katex.min.css $(KATEX_DIR).tmp/package/LICENSE $(KATEX_DIR)/
	cp $(KATEX_DIR).tmp/package/dist/fonts/*.woff2 $(KATEX_DIR)/fonts/
	rm -rf $(KATEX_DIR).tmp
	touch $@

demo: system-graphviz vendor $(DEMO)
	$(VENV)/bin/micrograd-covid demo --out out
	@echo "notebooks: notebooks/*.ipynb (start with walkthrough.ipynb); to open them:"
	@echo "  $(VENV)/bin/pip install jupyterlab && $(VENV)/bin/jupyter lab notebooks/"

check: $(STAMP)
	$(VENV)/bin/ruff check micrograd_covid tests examples benchmarks notebooks/strip_outputs.py
	$(VENV)/bin/ruff format --check micrograd_covid tests examples benchmarks notebooks/strip_outputs.py
	$(VENV)/bin/mypy
	$(PY) notebooks/strip_outputs.py --check

test: system-graphviz system-chromium vendor $(STAMP) check
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: system-graphviz system-chromium vendor $(VENV)/.bench
	$(PY) benchmarks/run.py
	$(PY) benchmarks/pictures.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
