# sohoa — the two commands a newcomer needs: `make demo` and `make test`.
# Both install what is missing (Debian packages, a .venv with the project) and are idempotent.

SHELL := /bin/bash
VENV := .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd tesseract-ocr-eng poppler-utils \
	fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-sil-charis fonts-sil-andika \
	antiword ca-certificates softhsm2 postgresql sane-utils
BENCH_APT_PACKAGES := unpaper ghostscript
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: demo test bench system venv clean

demo: system $(STAMP)
	$(VENV)/bin/sohoa demo
	@pdf=$$(ls "$${SOHOA_HOME:-var}"/demo-export/*.01.pdf); \
	echo "--- pdfsig $$pdf"; pdfsig "$$pdf"; \
	echo "--- pdftotext (first lines)"; pdftotext "$$pdf" - | head -12

# Test modules side by side, one worker per core; a module's tests stay on one worker (they share
# its servers and homes).
test: system $(STAMP)
	$(VENV)/bin/pytest -n auto --dist loadfile

# The benchmarks: real scans, OCR accuracy per grade, OCR throughput and memory, extraction
# (both form generators), search, audit, ingest load.
bench: system $(BENCH_STAMP)
	$(VENV)/bin/python -m bench.real
	$(VENV)/bin/python -m bench.ocr_accuracy
	$(VENV)/bin/python -m bench.ocr_throughput
	$(VENV)/bin/python -m bench.extraction
	$(VENV)/bin/python -m bench.search
	$(VENV)/bin/python -m bench.report --dossiers 100000
	$(VENV)/bin/python -m bench.audit
	$(VENV)/bin/python -m bench.ingest --seconds 30
	$(VENV)/bin/python -m bench.badinputs
	$(VENV)/bin/python -m bench.concurrency --cost
	$(VENV)/bin/python -m bench.concurrency --rounds 50
	$(VENV)/bin/python -m bench.concurrency --seconds 180

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
