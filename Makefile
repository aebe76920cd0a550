# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
EXAMPLE := examples/kz-chronicle-2024-04.txt

.PHONY: run test bench lint install browser replayweb redis clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` needs only linkvault's own dependencies; `make test` adds the test tools.
$(RUN_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

# The main job: archive every source the example report cites into linkvault-vault/. It exits 1
# when a footnote has no source (the example has 15) or a source could not be archived (on a
# machine with no internet, none can: it says so and stops in seconds). Either is its answer,
# not a failure of `make run`; only exit 2 (bad input) fails it.
run: $(RUN_STAMP)
	@$(BIN)/linkvault fetch $(EXAMPLE); rc=$$?; \
	if [ $$rc -eq 1 ]; then echo "make run: done; linkvault fetch reported problems (exit 1), listed above."; \
	elif [ $$rc -eq 0 ]; then echo "make run: done; every source of $(EXAMPLE) is archived in linkvault-vault/."; \
	else echo "make run: linkvault fetch failed (exit $$rc)."; exit $$rc; fi

# The editor's HTML report is tested in a real headless Chromium (Debian's package, no browser
# download). As root with apt, `make test` installs it; elsewhere those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the HTML report tests"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
	      || echo "could not install chromium: the HTML report's browser tests will be skipped"; \
	  else echo "chromium is not installed and cannot be installed here: the HTML report's browser tests will be skipped"; fi; }

# The distributed mode (fetch --queue, worker) is tested against a real Redis: Debian's redis-server, started
# by the tests themselves on a free port. As root with apt, `make test` installs it; elsewhere those tests skip.
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's redis-server for the distributed mode's tests"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; } \
	      || echo "could not install redis-server: the distributed mode's tests will be skipped"; \
	  else echo "redis-server is not installed and cannot be installed here: the distributed mode's tests will be skipped"; fi; }

# The evidence pack is opened in ReplayWeb.page, the viewer a third party is most likely to use:
# its npm package (the static app: ui.js and sw.js) is unpacked into .venv. Without npm or the
# registry, that test skips and says why.
RWP_VERSION := 2.5.3
RWP := $(VENV)/replaywebpage-$(RWP_VERSION)

replayweb: | $(BIN)/python
	@test -f $(RWP)/package/ui.js || { \
	  if command -v npm >/dev/null 2>&1 && mkdir -p $(RWP) \
	     && timeout 180 npm pack --silent --fetch-retries=1 --fetch-timeout=30000 --pack-destination $(RWP) \
	          replaywebpage@$(RWP_VERSION) >/dev/null \
	     && tar -xzf $(RWP)/replaywebpage-$(RWP_VERSION).tgz -C $(RWP); then \
	    echo "unpacked ReplayWeb.page $(RWP_VERSION) into $(RWP) for the pack's viewer test"; \
	  else echo "could not fetch ReplayWeb.page from npm: the pack's viewer test will be skipped"; fi; }

# The suite runs a worker per core (pytest-xdist), a test module to a worker, so a module's shared fixture
# (a fetched vault, a Redis) is built once; `make bench` stays on one process, its figures measured alone.
test: install browser replayweb redis
	$(BIN)/python -m pytest -q -m "not bench" -n auto --dist loadfile

# Every benchmark in one run (the screenshots' needs Chromium, the distributed mode's Redis); it ends with one
# table of the headline figures (tests/bench_summary.py), which are ratios within this run, never asserted.
bench: install browser redis
	$(BIN)/python -m compileall -q linkvault  # as pip does on install: each run's start-up reads bytecode, not source
	$(BIN)/python -m pytest -q -m bench -s

lint: install
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check .
	$(BIN)/mypy linkvault

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .hypothesis
