# hierembed — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# A CPU build of torch lies on local disk here; a bare `torch` requirement would
# pull a multi-GB CUDA build. Override on a GPU machine: make TORCH_SPEC='torch==2.13.0' ...
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: install test test-fast demo reproduce benchmark gpu-check lint clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel
	$(PIP) install "$(TORCH_SPEC)"
	# xtcocotools' PyPI wheel is built against numpy 1 and fails on import under
	# numpy 2: build it from source, without isolation (it declares no build deps).
	$(PIP) install numpy cython
	$(PIP) install --no-build-isolation --no-binary xtcocotools "xtcocotools==1.14.3"
	$(PIP) install -e ".[tests]"
	touch $@

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

demo: install
	$(PY) tools/demo.py

reproduce: install
	$(PY) tools/reproduce.py

benchmark: install
	$(PY) tools/benchmark_report.py

# On a GPU machine (make TORCH_SPEC=... install first): what only a GPU can show, in about 5
# minutes; writes work_dirs/gpu_check/summary.json (docs/training.md).
GPU_CHECK_ARGS ?= --device cuda --out work_dirs/gpu_check
gpu-check: install
	PYTHON=$(PY) tools/gpu_check.sh $(GPU_CHECK_ARGS)

lint: install
	$(PY) -m flake8 hierembed tools tests plugins configs
	$(PY) -m isort --check-only hierembed tools tests plugins

clean:
	rm -rf work_dirs build *.egg-info
