# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE := examples/kz-chronicle-2024-04.txt

.PHONY: run test bench lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The main job on the example report. `check` exits 1 when it finds errors (the example has 15
# footnotes cited with no source), which is its answer, not a failure of `make run`.
run: install
	@$(BIN)/linkvault check $(EXAMPLE); rc=$$?; \
	if [ $$rc -eq 1 ]; then echo "make run: linkvault check found errors in $(EXAMPLE) (exit 1), listed above."; \
	elif [ $$rc -eq 0 ]; then echo "make run: $(EXAMPLE) has no errors."; \
	else echo "make run: linkvault check failed (exit $$rc)."; exit $$rc; fi

test: install
	$(BIN)/python -m pytest -q -m "not bench"

bench: install
	$(BIN)/python -m pytest -q -m bench -s

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
