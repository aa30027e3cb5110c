# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONTRACT := contracts/capstone_liggett_2002.contract
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck contracts unit verify bench tables clean vscode-extension

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# setuptools warns of every editable install (folders named as the package), and of the folders of the
	@# vendored OCF schemas (package data, not packages): nothing to act on
	PYTHONWARNINGS="ignore:Editable installation,ignore:Package 'optionrules.ocf.schemas" \
		$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== optionrules check $(CONTRACT)"
	@$(BIN)/optionrules check $(CONTRACT)
	@echo
	@echo "== no events: what has vested one year in"
	@$(BIN)/optionrules eval $(CONTRACT) --as-of 2003-11-21
	@echo
	@echo "== terminated without cause on 2004-03-15: before and after the deadline"
	@$(BIN)/optionrules eval $(CONTRACT) --timeline examples/termination_without_cause.json \
		--as-of 2004-03-20 --as-of 2004-11-21 --as-of 2004-11-22
	@echo
	@echo "== exercises, a lock-up and a transfer, as JSON"
	@$(BIN)/optionrules eval $(CONTRACT) --timeline examples/exercises_and_lockup.json --as-of 2004-06-01 --format json
	@echo
	@echo "== why: the derivation of each figure, and the assumptions that mattered"
	@$(BIN)/optionrules explain $(CONTRACT) --timeline examples/termination_without_cause.json --as-of 2004-03-20
	@echo
	@echo "== what if she left another month, or for another reason? (one row per month and reason)"
	@$(BIN)/optionrules whatif $(CONTRACT) --vary 'termination.date=2003-11-21..2004-05-21 step 1 month' \
		--vary 'termination.reason=resignation,death,cause' --as-of event+0
	@echo
	@echo "== the example blocks the contract carries"
	@$(BIN)/optionrules test contracts/

test: $(STAMP) lint typecheck contracts unit

lint: $(STAMP)
	$(BIN)/ruff check optionrules tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy optionrules

# The bundled agreements: they check, are canonical, answer their examples, and verify (pairs of events every
# 3 months: about a quarter of the time of `make verify`, the monthly search).
contracts: $(STAMP)
	$(BIN)/optionrules check contracts/
	$(BIN)/optionrules check contracts/acme/acme_option_form.contract --grants contracts/acme/acme_grants.csv
	$(BIN)/optionrules fmt --check contracts/
	$(BIN)/optionrules test contracts/
	$(BIN)/optionrules verify contracts/ --pairs-every 3

# Two workers, each taking whole test modules (the hostile corpus runs its cases once, together, in its module).
unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope

# Every agreement over the whole monthly search (plans and forms through the agreements that use them).
verify: $(STAMP)
	$(BIN)/optionrules verify contracts/

# The VS Code extension, packaged for `code --install-extension editors/vscode/optionrules-0.1.0.vsix`.
VSIX := editors/vscode/optionrules-0.1.0.vsix
vscode-extension: $(VSIX)

$(VSIX): $(addprefix editors/vscode/,package.json package-lock.json extension.js language-configuration.json \
		syntaxes/optionrules.tmLanguage.json README.md)
	cd editors/vscode && npm ci --no-audit --no-fund && npm run package

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The parser shipped with the package, made anew after a change to grammar/optionrules.lark (a test fails while
# it is stale): Lark's stand-alone LALR parser for the grammar, its tables Python literals, loaded without pickle
# and without a cache file.
tables: $(STAMP)
	$(BIN)/python -c 'import sys; from optionrules.grammar import parser_text; sys.stdout.write(parser_text())' \
		> grammar/parser.py.new && mv grammar/parser.py.new grammar/parser.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
