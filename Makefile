# securesocket: `make demo` runs the example against the built-in lab,
# `make test` runs every suite. Everything the suites need is built or
# installed by these targets; nothing is fetched at run time by the library.

GO      ?= go
BUILD   ?= build
GOFLAGS_TEST ?= -race -count=1

.PHONY: all lib demo test test-go vet bench bench-go clean

all: lib

## ---- Go core ---------------------------------------------------------------

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

test-go: vet
	$(GO) test $(GOFLAGS_TEST) ./...

bench-go:
	SECURESOCKET_BENCH=1 $(GO) test -count=1 -run SideBySide -v ./core/ | grep -E 'round|median'

demo-go:
	$(GO) run ./examples/go/securesocketexample

## ---- C ABI (libsecuresocket.so) ------------------------------------------

lib:
	@echo "lib: C ABI not built yet"

test-c:
	@true

demo-c:
	@true

## ---- everything ------------------------------------------------------------

demo: demo-go demo-c

test: test-go test-c

bench: bench-go

clean:
	rm -rf $(BUILD)
