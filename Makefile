# The two setup commands (see README.md): `make demo` and `make test`. Each installs what it needs.
VENV ?= .venv

.PHONY: demo test lint install-offline install-all bench

demo: install-offline
	$(VENV)/bin/saber-agent analyze --sample

test: install-all
	$(VENV)/bin/python -m pytest -q

lint: install-all
	$(VENV)/bin/ruff check .

install-offline:
	VENV=$(VENV) scripts/install.sh offline

install-all:
	VENV=$(VENV) scripts/install.sh all,test
