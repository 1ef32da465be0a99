# make image: build app_sample's image end to end, from a bare machine.  make test: lint, types and every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
APP    ?= app_sample
# The host's trusted CAs reach the build as a BuildKit secret (builder stage only), so installs from an index work
# behind a TLS-intercepting proxy. Override with BUILDER_CA_CERT=path/to/bundle.pem, or BUILDER_CA_CERT= to send none.
BUILDER_CA_CERT ?= $(wildcard /etc/ssl/certs/ca-certificates.crt)
export BUILDER_CA_CERT

.PHONY: venv engine bases generate image test lint unit integration test-tools bench bench-registry clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Starts a Docker engine when none answers (installing docker.io first, as root on Debian).
engine: venv
	$(BIN)/builder engine

# Local stand-ins for the official base images, built from Debian packages, where no registry gives the official ones.
bases: engine
	$(BIN)/builder --spec $(APP) bases --if-needed

generate: venv
	$(BIN)/builder --spec $(APP) generate

image: bases
	$(BIN)/builder --spec $(APP) build

lint: venv
	$(BIN)/ruff check builder tests
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest -m "not integration"

integration: engine test-tools
	$(BIN)/pytest -m integration

test: lint engine test-tools
	$(BIN)/pytest

# Headless Chromium renders the HTML report in a test; the CI tests push to a real registry (Debian's
# docker-registry, which they start on a free 127.0.0.1 port). As root on Debian both are installed when missing.
test-tools:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium is not installed: the HTML report test needs it (apt-get install chromium)"
	@command -v docker-registry >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null; } \
	  || echo "docker-registry is not installed: the builder ci tests need it (apt-get install docker-registry)"

# Builds app_sample three ways (naive, docker-init style, builder), runs builder's under `validate --load`, and
# writes bench/results.md.
bench: bases
	$(BIN)/python bench/bench.py --load

# A fresh CI runner's rebuild from the registry cache (a local registry; prunes the engine's BuildKit cache).
bench-registry: bases test-tools
	$(BIN)/python bench/registry_cache.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist
