# securesocket: `make demo` runs the example against the built-in lab,
# `make test` runs every suite. Everything the suites need is built or
# installed by these targets; nothing is fetched at run time by the library.

GO      ?= go
BUILD   ?= build
GOFLAGS_TEST ?= -race -count=1

.PHONY: lib-cross test-portable test-arm64 test-windows
.PHONY: all lib demo demo-go demo-c test test-go test-c test-interop test-python bench-python wheel-python test-node bench-node vet bench bench-go bench-c bench-interop fuzz clean

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
#
# lib      build/libsecuresocket.so.0 (+ .so symlink, build/securesocket_cgo.h),
#          then the header checks (capi/build.sh: C99, C++, against cgo's header)
# test-c   CMake build in build/cmake, then ctest: starts the lab, runs the C
#          tests, the same under valgrind memcheck, the exported-symbols check,
#          the example, and the installed-package consumer test
# demo-c   the SecureSocketExample in C against the lab
# bench-c  the C benchmark against the lab, next to plain Go crypto/tls

CC      ?= cc
CMAKE   ?= cmake
CTEST   ?= ctest
CBUILD  ?= $(BUILD)/cmake
JOBS    ?= 2

lib:
	GO=$(GO) CC=$(CC) capi/build.sh $(BUILD)

test-c:
	$(CMAKE) -S . -B $(CBUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=$(CC)
	$(CMAKE) --build $(CBUILD) -j $(JOBS)
	cd $(CBUILD) && $(CTEST) --output-on-failure -j $(JOBS)

demo-c: lib
	$(CC) -std=c99 -Wall -Wextra -O2 -Iinclude -o $(BUILD)/securesocket_example \
		examples/c/securesocket_example.c -L$(BUILD) -lsecuresocket -Wl,-rpath,'$$ORIGIN'
	tests/c/lab.sh run $(BUILD)/lab-demo sh -c \
		'$(BUILD)/securesocket_example localhost $$(tests/c/lab.sh ports $(BUILD)/lab-demo trusted expired wrongHost)'

bench-c: lib
	GO=$(GO) CC=$(CC) capi/build.sh $(BUILD)/debug --debug
	$(GO) build -trimpath -o $(BUILD)/gotls ./tests/c/gotls
	$(CC) -std=c11 -O2 -Wall -Wextra -Iinclude -o $(BUILD)/bench_c tests/c/bench.c tests/c/testutil.c \
		-L$(BUILD)/debug -lsecuresocket -lpthread -Wl,-rpath,'$$ORIGIN/debug'
	tests/c/lab.sh run $(BUILD)/lab-bench $(BUILD)/bench_c $(BUILD)/gotls

## ---- Python binding (bindings/python) -------------------------------------

PYTHON  ?= python3

test-python: lib
	PYTHON=$(PYTHON) SECURESOCKET_NO_BUILD=1 bindings/python/run_tests.sh -q

bench-python: lib
	$(PYTHON) bindings/python/bench.py

wheel-python: lib
	PYTHON=$(PYTHON) SECURESOCKET_NO_BUILD=1 bindings/python/build_wheel.sh

## ---- Node binding (bindings/node) -------------------------------------------

test-node: lib
	GO=$(GO) bindings/node/run_tests.sh

bench-node: lib
	cd bindings/node && npm ci --prefer-offline --no-audit --no-fund && node bench.js

## ---- AMF: interoperability with npm peers, fuzzing --------------------------
# test-interop  amf3-ts (AMF3) and amf-codec (AMF0) encode what core/amf reads
#               and read what it writes (npm ci from the lockfile)
# fuzz          the AMF0, AMF3 and JSON fuzz targets, FUZZTIME each

FUZZTIME ?= 60s

test-interop:
	GO=$(GO) tests/amf-interop/run_tests.sh

bench-interop:
	cd tests/amf-interop && npm ci --ignore-scripts --no-audit --no-fund && GO=$(GO) node bench.js

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeAMF3$$' -fuzztime $(FUZZTIME) ./core/amf
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeAMF0$$' -fuzztime $(FUZZTIME) ./core/amf
	$(GO) test -run '^$$' -fuzz '^FuzzJSON$$' -fuzztime $(FUZZTIME) ./core/amf

## ---- other platforms (docs/building.md) ------------------------------------
# lib-cross      capi/build.sh $(BUILD)/<target> --target <target> for each of
#                CROSS_TARGETS (zig cc for Linux, glibc 2.17; MinGW-w64 for
#                Windows), installing the compilers when missing
# test-portable  (in make test) capi's C files compile for Windows, macOS,
#                FreeBSD and arm64 with zig cc, Go vets for them; the pipe
#                event path runs in test-c's ctest (pipe_*)
# test-arm64     the C suite and the Go tests under qemu-user (aarch64)
# test-windows   the C suite and the Go tests under wine64 (win32-x64)

CROSS_TARGETS ?= linux-x64 linux-arm64 win32-x64

lib-cross:
	tests/cross/ensure.sh zig windows
	for t in $(CROSS_TARGETS); do GO=$(GO) capi/build.sh $(BUILD)/$$t --target $$t || exit 1; done

test-portable:
	GO=$(GO) tests/cross/smoke.sh

test-arm64:
	GO=$(GO) tests/cross/arm64.sh $(BUILD)/arm64

test-windows:
	GO=$(GO) tests/cross/windows.sh $(BUILD)/windows

## ---- everything ------------------------------------------------------------

demo: demo-go demo-c

test: test-go test-c test-portable test-python test-node test-interop

bench: bench-go bench-c bench-python bench-node bench-interop

clean:
	rm -rf $(BUILD)
