# lzgen — the commands the README names. Everything runs on a machine with Go
# and gcc; `ptx` additionally needs nvcc.

GO      ?= go
PKGS    := ./...

# go-nvml's generated cgo bindings call functions NVML marks deprecated; the
# warnings say nothing about this project.
export CGO_CFLAGS ?= -O2 -g -Wno-deprecated-declarations

.PHONY: all generate check test demo bench ptx fuzz server loadtest

all: generate test

## generate: regenerate every go:generate output in the repository
generate:
	$(GO) generate $(PKGS)

## check: fail when a generated file in the repository is stale
check:
	$(GO) run ./cmd/lzgen -check -manifest examples/quickstart/kernels/kernels.yaml

## test: format, vet, the race-enabled tests, and a cgo-free build
test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet -tags gpu $(PKGS)
	CGO_ENABLED=0 $(GO) build $(PKGS)
	$(GO) test -race -timeout 20m $(PKGS)

## demo: the quickstart — generate from the manifest, dispatch real kernels on the CPU
demo:
	$(GO) generate ./examples/quickstart/...
	$(GO) run ./examples/quickstart

## bench: dispatch benchmarks side by side, with the report against the seed system
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 3 ./bench | tee bench.out
	$(GO) run ./bench/report -in bench.out

## ptx: build the CUDA kernels to PTX (needs nvcc)
ptx:
	./kernels/cuda/build-ptx.sh

## fuzz: a short run of every fuzz target
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzManifest -fuzztime 30s ./gen
	$(GO) test -run '^$$' -fuzz FuzzRules -fuzztime 30s ./runtime

## server: the example inference server, rules hot-reloaded from examples/server/rules.yaml
server:
	$(GO) run ./examples/server -rules examples/server/rules.yaml

## loadtest: concurrent forward passes while the rules file is rewritten and a kernel fails
loadtest:
	$(GO) run ./examples/server/loadtest -requests 2000 -clients 8
