# apikit: every target works from a fresh clone with only Go installed; tools run through `go run` at pinned
# versions, never from a global install.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME    ?= 20s

.PHONY: help generate check-generated check-breaking lint lint-spec test test-long bench bench-rss bench-compare bench-hostile bench-proxy-rss fuzz tidy-check record fixtures

help: ## list targets
	@awk -F':.*## ' '/^[a-z-]+:.*## /{printf "%-16s %s\n",$$1,$$2}' $(MAKEFILE_LIST)

generate: ## regenerate gen/ from openapi/
	go generate ./...

check-generated: ## fail, naming each file, if gen/ is stale or hand-edited
	./scripts/check-generated.sh

check-breaking: ## fail on a breaking spec change that CHANGELOG.md does not name (base: BASE_REF, else merge base with origin/main, last tag, HEAD~1)
	BASE_REF="$(BASE_REF)" ./scripts/check-breaking.sh

tidy-check: ## go.mod and go.sum are tidy
	go mod tidy -diff

lint: ## gofmt, go vet, staticcheck (pinned)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...

lint-spec: ## optional: Redocly lint of the specs (needs npx; skips when absent)
	@if command -v npx >/dev/null 2>&1; then \
		npx --yes @redocly/cli@2 lint openapi/doorflow.yaml openapi/sonderplan.yaml; \
	else echo "lint-spec: npx not found, skipping (install Node.js to run it)"; fi

test: lint check-generated ## everything CI runs: lint, generated code, unit, contract and fuzz-seed tests
	go test -race ./...

test-long: lint check-generated ## make test with the long tests at full size (APIKIT_LONG=1: the 5,000-request proxy load, every cut of the HAR comparison, every worker count of the read-ahead)
	APIKIT_LONG=1 go test -race ./...

record: ## record VENDOR's live cassette (needs its token; never in CI): make record VENDOR=doorflow
	@test -n "$(VENDOR)" || { echo "usage: make record VENDOR=doorflow|sonderplan"; exit 2; }
	APIKIT_RECORD=1 go test ./client/$(VENDOR) -run '^TestLive$$' -count=1 -v

fixtures: ## re-record testdata/exporters with real exporters against apikit mock (Chromium, mitmproxy, Node; never in CI; PW_NODE_PATH=DIR/node_modules)
	PW_NODE_PATH="$(PW_NODE_PATH)" ./scripts/fixtures/record.sh


BENCHFLAGS  ?= -count 6
BENCHOUT    ?= bench-latest.txt

bench: ## benchmarks with allocations, then apikit against plain kin-openapi (benchstat, pinned); BENCHFLAGS='-cpu 1 -count 6'
	go test -run '^$$' -bench . -benchmem $(BENCHFLAGS) ./... > $(BENCHOUT) || { cat $(BENCHOUT); exit 1; }
	cat $(BENCHOUT)
	@# Sub-benchmarks kin, apikit, encoding-json and legacy become engine=..., so benchstat puts them side by side
	@# and prints apikit's change against the first column ("vs base"; -90% is 10x faster): the validators
	@# against kin-openapi, then the HAR loaders against encoding/json decoding the whole file.
	sed -E 's#^(Benchmark[A-Za-z]+)/(kin|apikit|encoding-json|legacy)([^A-Za-z.=])#\1/engine=\2\3#' $(BENCHOUT) > bench-engines.txt
	go run $(BENCHSTAT) -filter '/engine:(kin OR apikit) -.name:/^ReadHAR/' -col '/engine@(kin apikit)' bench-engines.txt
	go run $(BENCHSTAT) -filter '.name:/^ReadHAR/' -col '/engine@(encoding-json legacy apikit)' bench-engines.txt

RSSRESERVATIONS ?= 437000

bench-rss: ## peak RSS of apikit validate on a generated HAR with one 100 MB body (Linux /usr/bin/time; RSSRESERVATIONS)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	go run ./internal/benchdata/genhar -n $(RSSRESERVATIONS) -o "$$tmp/big.har" && \
	go build -o "$$tmp/apikit" ./cmd/apikit && \
	/usr/bin/time -v "$$tmp/apikit" validate "$$tmp/big.har" 2>&1 | grep -E 'exchanges?:|Maximum resident|Elapsed'

ROUNDS       ?= 5
COMPAREFLAGS ?=
HOSTILEFLAGS ?=
PROXYRSSFLAGS ?=

bench-compare: ## apikit validate/proxy against plain kin-openapi and httputil.ReverseProxy, alternated, ROUNDS rounds: ratios (COMPAREFLAGS='-list 20000 -skip proxy')
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	go build -o "$$tmp/apikit" ./cmd/apikit && \
	go build -o "$$tmp/kinbaseline" ./internal/bench/kinbaseline && \
	go build -o "$$tmp/revproxy" ./internal/bench/revproxy && \
	go build -o "$$tmp/compare" ./internal/bench/compare && \
	"$$tmp/compare" -apikit "$$tmp/apikit" -kin "$$tmp/kinbaseline" -revproxy "$$tmp/revproxy" -work "$$tmp/work" -rounds $(ROUNDS) $(COMPAREFLAGS)

bench-proxy-rss: ## issue 14: peak RSS of apikit proxy (default --max-body) forwarding one 2 GiB response, four at once, and a 1 GiB upload, generated on loopback (PROXYRSSFLAGS='-scale 0.25 -cases four')
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	go build -o "$$tmp/apikit" ./cmd/apikit && \
	go build -o "$$tmp/proxyrss" ./internal/bench/proxyrss && \
	"$$tmp/proxyrss" -apikit "$$tmp/apikit" $(PROXYRSSFLAGS)

bench-hostile: ## issue 14: peak RSS, output size, exit code and time of apikit validate on hostile recordings at 1x, 2x, 4x (HOSTILEFLAGS='-scales 1,2 -mem 2147483648 -only amplify')
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	go build -o "$$tmp/apikit" ./cmd/apikit && \
	go build -o "$$tmp/hostile" ./internal/bench/hostile && \
	"$$tmp/hostile" -apikit "$$tmp/apikit" -work "$$tmp" $(HOSTILEFLAGS)

fuzz: ## bounded fuzzing of every fuzz target (FUZZTIME each, default 20s)
	@for pkg in $$(go list ./...); do \
		for t in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$t"; go test $$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
	done
