# Hongyixing: `make demo` runs the product, `make test` checks it. Both install what they need.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTHON ?= python3

.PHONY: install demo test lint typecheck migrations-check pytest bench lock messages clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml package.json package-lock.json $(wildcard src/hongyixing/locale/*/LC_MESSAGES/*.po)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p src/hongyixing/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js src/hongyixing/static/vendor/
	cd src/hongyixing && ../../$(BIN)/django-admin compilemessages --verbosity 0
	touch $(STAMP)

demo: install
	$(BIN)/hongyixing demo

test: install
	bash scripts/test.sh

bench: install
	$(PY) -m bench seed

lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^hongyixing' | sed '1i # Locked versions of every runtime, dev and bench dependency (regenerate: make lock).' > requirements.lock

messages: install
	cd src/hongyixing && ../../$(BIN)/hongyixing manage makemessages -l zh_Hans -l en --no-obsolete --ignore 'static/*'

clean:
	rm -rf $(VENV) node_modules src/hongyixing/static/vendor
