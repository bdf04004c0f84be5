# Two commands do all set-up: `make run` and `make test` create .venv and install what is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])")

.PHONY: run test lint bench eval doctor clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)        ## start the bot (reads .env)
	$(BIN)/naba run

doctor: $(STAMP)     ## check the settings, Redis, the Bot API and the model endpoint, one line each
	$(BIN)/naba doctor

test: $(STAMP)       ## lint, type-check and run the whole test suite
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)      ## print the benchmark figures (not part of the tests); e.g. make bench ARGS=--quick
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
