# sohoa — the two commands a newcomer needs: `make demo` and `make test`.
# Both install what is missing (Debian packages, a .venv with the project) and are idempotent.

SHELL := /bin/bash
VENV := .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd tesseract-ocr-eng poppler-utils \
	fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-sil-charis fonts-sil-andika \
	antiword ca-certificates softhsm2 postgresql sane-utils chromium
BENCH_APT_PACKAGES := unpaper ghostscript
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

DEMO_PORT ?= 8080
HOME_DIR = $${SOHOA_HOME:-var}
ANSWERS = $(VENV)/bin/python -c "import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=2)"

.PHONY: demo test bench screens system venv clean

# The sample dossier digitised, then the desk served with it (started once; it stays up:
# kill $$(cat var/serve.pid) stops it).
demo: system $(STAMP)
	$(VENV)/bin/sohoa demo
	@pdf=$$(ls "$(HOME_DIR)"/demo-export/*.01.pdf); \
	echo "--- pdfsig $$pdf"; pdfsig "$$pdf"; \
	echo "--- pdftotext (first lines)"; pdftotext "$$pdf" - | head -12
	@url=http://127.0.0.1:$(DEMO_PORT); \
	if ! $(ANSWERS) $$url/login 2>/dev/null; then \
		setsid nohup $(VENV)/bin/sohoa serve --port $(DEMO_PORT) > "$(HOME_DIR)/serve.out" 2>&1 & \
		echo $$! > "$(HOME_DIR)/serve.pid"; \
		for i in $$(seq 90); do $(ANSWERS) $$url/login 2>/dev/null && break; sleep 1; done; \
	fi; \
	echo "--- Bàn số hóa: $$url/dossiers/000.00.06.H56-231027-0361 (tài khoản: xem dòng 'Tài khoản thử' ở trên)"

# Test modules side by side, one worker per core; a module's tests stay on one worker (they share
# its servers and homes), the slowest modules first (tests/conftest.py: SLOW_FIRST).
test: system $(STAMP)
	$(VENV)/bin/pytest -n auto --dist loadfile --no-loadscope-reorder

# The benchmarks: real scans, OCR accuracy per grade, OCR throughput and memory, extraction
# (both form generators), search, audit, ingest load.
bench: system $(BENCH_STAMP)
	$(VENV)/bin/python -m bench.real
	$(VENV)/bin/python -m bench.ocr_accuracy
	$(VENV)/bin/python -m bench.ocr_throughput
	$(VENV)/bin/python -m bench.extraction
	$(VENV)/bin/python -m bench.extraction --generators 2 --seed 11  # draws looked at once
	$(VENV)/bin/python -m bench.extraction --generators 2 --seed 13  # draws looked at once
	$(VENV)/bin/python -m bench.extraction --generators 2 --seed 43  # draws looked at once
	$(VENV)/bin/python -m bench.extraction --generators 2 --seed 53  # draws held out (first run 2026-12-03, misses not read)
	$(VENV)/bin/python -m bench.search
	$(VENV)/bin/python -m bench.report --dossiers 100000
	$(VENV)/bin/python -m bench.pages --dossiers 100000
	$(VENV)/bin/python -m bench.audit
	$(VENV)/bin/python -m bench.ingest --seconds 30
	$(VENV)/bin/python -m bench.commits
	$(VENV)/bin/python -m bench.scale
	$(VENV)/bin/python -m bench.badinputs
	$(VENV)/bin/python -m bench.concurrency --cost
	$(VENV)/bin/python -m bench.concurrency --rounds 50
	$(VENV)/bin/python -m bench.concurrency --seconds 180

# The screens of the README, taken by the browser tests in Debian's chromium.
screens: system $(STAMP)
	SOHOA_SCREENS=$(CURDIR)/docs/screens $(VENV)/bin/pytest -q tests/test_web.py

$(BENCH_STAMP): $(STAMP)
	@$(MAKE) --no-print-directory system APT_PACKAGES="$(BENCH_APT_PACKAGES)"
	$(VENV)/bin/python -m pip install -q -e '.[test,bench]'
	@touch $@

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if ! $(PYTHON) -m venv --help >/dev/null 2>&1; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	@touch $@

clean:
	rm -rf $(VENV) var .pytest_cache
