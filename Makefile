# bertserve: `make run` serves the default model on :8080, `make test` runs every test.
GO        ?= go
ADDR      ?= :8080
BIN       := bin/bertserve
PYTHON    ?= python3
VENV      := .venv
TEST_EXPORTS := .cache/test-exports
GOLDEN_VENV  := .cache/venv-golden
COMPAT_VENV := .cache/compat-venv

.PHONY: all setup build run test vet fmt-check test-go reference goldens bench bench-infinity clean help compat-venv generate test-exports test-py models-all test-parity pipeline-goldens browser docker-check

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

setup: ## download ONNX Runtime and the default model (sha256-verified, idempotent)
	@scripts/setup.sh

build: ## build the server into bin/
	$(GO) build -o $(BIN) ./cmd/server

run: setup build ## set up if needed, then serve the default model on $(ADDR)
	BERTSERVE_ADDR=$(ADDR) $(BIN)

test: setup vet fmt-check compat-venv test-exports browser test-go test-parity test-py docker-check ## every check CI runs

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null)"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test-go:
	BERTSERVE_REQUIRE_SETUP=1 BERTSERVE_REQUIRE_BROWSER=1 BERTSERVE_TEST_EXPORTS=$(CURDIR)/$(TEST_EXPORTS) BERTSERVE_COMPAT_PYTHON=$(CURDIR)/$(COMPAT_VENV)/bin/python $(GO) test -race -count=1 -timeout 20m ./...

# The OpenAI and huggingface_hub clients that cmd/server's TestOfficialClients drives (no torch).
$(COMPAT_VENV)/.installed: scripts/requirements-compat.txt
	$(PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/pip install -q -r scripts/requirements-compat.txt
	touch $@

compat-venv: $(COMPAT_VENV)/.installed ## Python venv with the client libraries the compatibility tests use

browser: ## install Chromium for the /docs browser test when it is missing (Debian package, as root)
	@scripts/install-chromium.sh

docker-check: compat-venv ## lint the Dockerfiles and test the image's build steps without a Docker engine
	@scripts/docker-check.sh

generate: ## regenerate the Go client (internal/client) from openapi.yaml
	$(GO) generate ./internal/client

$(VENV)/.reference: scripts/requirements-reference.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r scripts/requirements-reference.txt
	touch $@

reference: $(VENV)/.reference setup ## regenerate the sentence-transformers reference fixtures
	$(VENV)/bin/python scripts/gen_reference.py

# The exporter's venv (scripts/requirements.txt): export_onnx.py and the tiny test models.
$(VENV)/.exporter: scripts/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r scripts/requirements.txt
	touch $@

# Tiny seeded models of every architecture and task, exported as the server loads them, plus a
# one-logit cross-encoder per architecture; cmd/server's parity test checks them against
# testdata/pipelines. pytest scripts/tests exports exactly those folders (as exports.py does) into
# BERTSERVE_TEST_EXPORTS while it tests the exporter, so they are built once, by the test run;
# both are redone only when a script they depend on changes.
$(TEST_EXPORTS)/.done: $(VENV)/.exporter scripts/export_onnx.py scripts/finetune.py $(wildcard scripts/tests/*.py) scripts/gen_pipeline_goldens.py | setup
	rm -rf $(TEST_EXPORTS)
	BERTSERVE_TEST_EXPORTS=$(CURDIR)/$(TEST_EXPORTS) $(VENV)/bin/python -m pytest -q -p no:cacheprovider scripts/tests
	$(VENV)/bin/python scripts/gen_pipeline_goldens.py export --extras-only $(TEST_EXPORTS)
	touch $@

test-exports: $(TEST_EXPORTS)/.done ## tiny exported models of every task, for the parity tests

test-py: test-exports ## the exporter's and fine-tuning script's tests (pytest scripts/tests, run by test-exports)

models-all: setup $(VENV)/.exporter ## every model of scripts/models.lock into models/ (sha256-verified)
	PYTHON=$(CURDIR)/$(VENV)/bin/python scripts/fetch_models.sh

# Every parity case and whole-dataset figure, without the race detector (test-go samples them).
test-parity: test-exports
	BERTSERVE_REQUIRE_SETUP=1 BERTSERVE_TEST_EXPORTS=$(CURDIR)/$(TEST_EXPORTS) $(GO) test -count=1 -timeout 20m \
		-run 'TestTaskEndpointsMatchHuggingFacePipelines|TestTaskFiguresMatchHuggingFacePipelines' ./cmd/server

$(GOLDEN_VENV)/.installed: scripts/requirements-golden.txt
	$(PYTHON) -m venv $(GOLDEN_VENV)
	$(GOLDEN_VENV)/bin/pip install -q -r scripts/requirements-golden.txt
	touch $@

pipeline-goldens: $(VENV)/.exporter $(GOLDEN_VENV)/.installed ## regenerate testdata/pipelines with Hugging Face's pipelines
	$(VENV)/bin/python scripts/gen_pipeline_goldens.py export --work .cache/parity
	$(GOLDEN_VENV)/bin/python scripts/gen_pipeline_goldens.py generate --work .cache/parity

bench: setup ## throughput against bare ONNX Runtime and peers, for docs/benchmarks.md (takes about half an hour; not part of test)
	scripts/bench.sh

bench-infinity: setup ## bertserve against the infinity-emb server over HTTP, side by side (make bench runs it too)
	scripts/bench_infinity.sh

clean:
	rm -rf bin
