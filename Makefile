# Two commands for a fresh Debian machine: `make demo` and `make test`.
# Both run `make install`, which is idempotent.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install system-packages demo test test-fast bench soak lint clean

install: system-packages $(VENV)/.installed

system-packages:
	@bash asterisk/install.sh
	@bash kontakt/install-browser.sh
	@bash kontakt/install-broker.sh
	@bash tickets/notify/install-kannel.sh

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $@

demo: install
	$(VENV)/bin/kontakt demo --http-port 8021

test: install
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not rig and not browser"

bench: install
	$(PY) -m bench

# A compressed working day at the design load and at 3x, with faults (~25 min).
soak: install
	$(PY) -m bench.soak

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy acd ivr dialplan tickets/domain.py infra

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
