# FieldDesk developer commands. `make demo` and `make test` are the README's two commands.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: venv demo test test-random lint format package screenshots bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip

venv: $(BIN)/.installed
$(BIN)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: venv
	$(BIN)/python -m app --demo

# The real-keyring tests need a D-Bus session with an unlocked gnome-keyring; where both
# are installed the suite runs inside one, elsewhere those tests skip and say why.
KEYRING_SESSION := $(shell command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1 && echo .ci/with-keyring)

# `make test` runs in file order, so a failure in CI replays the same way on a laptop;
# `make test-random` shuffles the order to find tests that depend on others
# (pytest-randomly prints the seed; replay with PYTEST_ARGS=--randomly-seed=N).
test: venv
	QT_QPA_PLATFORM=offscreen $(KEYRING_SESSION) $(BIN)/python -m pytest -p no:randomly $(PYTEST_ARGS)

test-random: venv
	QT_QPA_PLATFORM=offscreen $(KEYRING_SESSION) $(BIN)/python -m pytest $(PYTEST_ARGS)

LINT_PATHS := app tests benchmarks scripts packaging

lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy app
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

# The Linux application bundle (dist/FieldDesk/), smoke-tested after the build.
package: venv
	VENV=$(VENV) packaging/build.sh

# Screenshots of the real window under Xvfb (Debian: xvfb), written to docs/screenshots/.
screenshots: venv
	$(BIN)/python scripts/screenshots.py

bench: venv
	$(BIN)/python benchmarks/sync_client_cost.py
	$(BIN)/python benchmarks/sync_concurrency.py
	$(BIN)/python benchmarks/ui_responsiveness.py
	$(BIN)/python benchmarks/map_viewer.py
	$(BIN)/python benchmarks/downloads.py

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
