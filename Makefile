# The two commands of the README; each installs what it needs first (tools/install.sh is
# idempotent and takes seconds once the venv exists).
PY := .venv/bin/python

.PHONY: install demo test
install:
	@bash tools/install.sh

demo: install
	@bash tools/demo.sh

test: install
	@$(PY) -m pytest tests -q -p no:cacheprovider
