# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A deployment sets FIELD_ENCRYPTION_KEY (its own key for the secrets stored encrypted; erp.W001 otherwise).
PROD_ENV := DEBUG=0 SECRET_KEY=check-deploy-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ ALLOWED_HOSTS=erp.example.com \
  FIELD_ENCRYPTION_KEY=Y2hlY2stZGVwbG95LW9ubHktZmllbGQta2V5LTAwMDA=

.PHONY: run test lint messages compilemessages clean-venv browser

# Reinstall only when a requirements file changed (the stamp is older than it).
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Compiled catalogues (.mo) are built, not committed.
compilemessages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py compilemessages -v 0 --ignore=.venv --ignore=var

run: $(VENV)/.installed compilemessages
	$(PY) scripts/run.py

# ruff; import-linter (the departments' order, pyproject [tool.importlinter]); mypy, strict on the core
# and on every department's services and selectors (pyproject [tool.mypy]).
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

# pytest runs in PYTEST_WORKERS processes (pytest-xdist), each with a database and a Redis database
# of its own; a test module runs whole on one worker (--dist loadscope), so data it shares is built
# once (docs/testing.md). PYTEST_WORKERS=0 runs every test in one process; PYTEST_ARGS adds options
# or paths (PYTEST_ARGS="-x tests/sales"). 2 and 3 workers tied on a loaded 2-core machine, 4 was slower.
PYTEST_WORKERS ?= 3
PYTEST_ARGS ?=

test: $(VENV)/.installed-dev compilemessages lint browser
	$(PY) scripts/services.py --for-tests -- sh -c '\
	  DEBUG=1 $(PY) manage.py makemigrations --check --dry-run && \
	  $(PROD_ENV) $(PY) manage.py check --deploy --fail-level WARNING && \
	  $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --durations=15 $(PYTEST_ARGS)'

# Refresh the catalogues after changing UI strings; then translate the new entries.
messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hant -l zh_Hans -l en --no-obsolete --add-location file --ignore=tests --ignore=static --ignore=.venv --ignore=var

clean-venv:
	rm -rf $(VENV)

# The browser tests drive Debian's chromium (Playwright's own download does not work offline).
# Installed when missing and we may (root with apt-get); otherwise those tests are skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium and CJK fonts for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	      || echo "could not install chromium: the browser tests will be skipped"; \
	  else echo "chromium is missing: the browser tests will be skipped (apt-get install chromium fonts-noto-cjk)"; fi; }
