# securesocket: `make demo` runs the example against the built-in lab,
# `make test` runs every suite. Everything the suites need is built or
# installed by these targets; nothing is fetched at run time by the library.

GO      ?= go
BUILD   ?= build
GOFLAGS_TEST ?= -race -count=1

.PHONY: all lib probe demo-probe demo demo-go demo-c test test-docs test-go test-c test-interop test-python bench-python wheel-python test-node bench-node vet bench bench-go bench-c bench-interop test-bench-smoke fuzz clean dist test-dist test-dist-smoke test-version staticlib install uninstall test-install lib-cross test-portable test-arm64 test-windows

all: lib probe

## ---- Go core ---------------------------------------------------------------

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

test-go: vet
	$(GO) test $(GOFLAGS_TEST) ./...

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

## ---- install (PREFIX, DESTDIR, LIBDIR, INCLUDEDIR) ---------------------------
# staticlib  build/libsecuresocket.a (go build -buildmode=c-archive)
# install    the header, libsecuresocket.so.X.Y.Z with its SONAME link (.so.0)
#            and dev link (.so), the static library, pkg-config and the CMake
#            package into $(DESTDIR)$(PREFIX) (scripts/c-tree.sh); run
#            ldconfig afterwards for a system prefix
# uninstall  removes exactly those files

PREFIX     ?= /usr/local
LIBDIR     ?= lib
INCLUDEDIR ?= include

staticlib:
	CGO_ENABLED=1 $(GO) build -buildmode=c-archive -trimpath -ldflags=-w -o $(BUILD)/libsecuresocket.a ./capi
	rm -f $(BUILD)/libsecuresocket.h

install: lib staticlib
	scripts/c-tree.sh install $(BUILD) "$(DESTDIR)$(PREFIX)" $(LIBDIR) $(INCLUDEDIR)

uninstall:
	scripts/c-tree.sh uninstall "$(DESTDIR)$(PREFIX)" $(LIBDIR) $(INCLUDEDIR)

# test-install  make install into a DESTDIR, used by tests/packaging/c_consumer.sh
#               (pkg-config, find_package, static library, the example against
#               the lab), then make uninstall must leave no file behind
TI = $(abspath $(BUILD))/test-install
test-install:
	rm -rf $(TI)
	$(MAKE) --no-print-directory install DESTDIR=$(TI)/root PREFIX=/usr >/dev/null
	tests/c/lab.sh run $(TI)/lab tests/packaging/c_consumer.sh $(TI)/root/usr $(TI)/work
	$(MAKE) --no-print-directory uninstall DESTDIR=$(TI)/root PREFIX=/usr >/dev/null
	@test -z "$$(find $(TI)/root -type f -o -type l)" || { echo "left after uninstall:"; find $(TI)/root -type f -o -type l; exit 1; }

## ---- Python binding (bindings/python) -------------------------------------

PYTHON  ?= python3

test-python: lib
	PYTHON=$(PYTHON) SECURESOCKET_NO_BUILD=1 bindings/python/run_tests.sh -q

wheel-python: lib
	PYTHON=$(PYTHON) SECURESOCKET_NO_BUILD=1 bindings/python/build_wheel.sh

## ---- Node binding (bindings/node) -------------------------------------------

test-node: lib
	GO=$(GO) bindings/node/run_tests.sh

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

## ---- benchmarks (bench/, docs/benchmarks.md) -------------------------------
# bench             each language's package against that language's own TLS
#                   (C: OpenSSL libssl, Go: crypto/tls, Python: ssl, Node: tls)
#                   on the same loopback servers, alternating rounds: prints
#                   the table, writes $(BUILD)/bench/results.json and the
#                   table into docs/benchmarks.md. LANGS=go (or c,python ...)
#                   runs some languages only. About 9 minutes for all four.
# bench-go, bench-c, bench-python, bench-node   the same, one language
# test-bench-smoke  one round of tiny sizes (a few seconds): every metric of
#                   every language must produce a positive number (RSS per
#                   connection: a number)

LANGS   ?= c,go,python,node

bench: lib
	BUILD=$(BUILD) GO=$(GO) CC=$(CC) LANGS=$(LANGS) bench/build.sh
	BUILD=$(BUILD) $(PYTHON) bench/run.py --langs $(LANGS)

bench-go bench-c bench-python bench-node:
	$(MAKE) bench LANGS=$(@:bench-%=%)

test-bench-smoke: lib
	BUILD=$(BUILD) GO=$(GO) CC=$(CC) LANGS=$(LANGS) bench/build.sh
	BUILD=$(BUILD) SECURESOCKET_BENCH_SMOKE=1 $(PYTHON) bench/run.py --langs $(LANGS) \
		--json $(BUILD)/bench/smoke.json

## ---- documentation samples -------------------------------------------------
# test-docs  every fenced code block of README.md, bindings/*/README.md and
#            docs/*.md: C, Python, Node and Go samples run against the lab,
#            sh blocks checked; the conventions are at the top of the runner;
#            and the README's layout names every file of core/, and no comment
#            or document cites files outside the repository

test-docs: lib
	$(PYTHON) tests/docs/selftest.py
	$(PYTHON) tests/docs/check_layout.py
	$(PYTHON) tests/docs/check_citations.py
	GO=$(GO) CC=$(CC) PYTHON=$(PYTHON) BUILD=$(BUILD) $(PYTHON) tests/docs/run_samples.py

## ---- release artifacts --------------------------------------------------------
# dist            wheels (manylinux2014 x86_64/aarch64, win_amd64 when it builds),
#                 the sdist, the npm tarball, C archives into dist/ (scripts/dist.sh)
# test-dist       make dist, then each Linux x86_64 artifact installed without Go
#                 and its example run against the lab (tests/packaging/test_dist.sh)
# test-dist-smoke the same for linux-x64 only, without the arm64 wheel and the
#                 sdist build with Go (part of make test)

dist:
	GO=$(GO) PYTHON=$(PYTHON) scripts/dist.sh dist

test-dist: dist
	GO=$(GO) PYTHON=$(PYTHON) tests/packaging/test_dist.sh dist $(BUILD)/test-dist

test-dist-smoke:
	GO=$(GO) PYTHON=$(PYTHON) DIST_TARGETS=linux-x64 scripts/dist.sh $(BUILD)/dist-smoke
	GO=$(GO) PYTHON=$(PYTHON) TEST_DIST_SKIP="sdist-go aarch64" tests/packaging/test_dist.sh $(BUILD)/dist-smoke $(BUILD)/test-dist-smoke

## ---- version ---------------------------------------------------------------
# test-version  VERSION is the one source of the version: the header, CMake,
#               pyproject, package.json and both loaders say the same
#               (scripts/version.sh; `scripts/version.sh set X.Y.Z` writes it)

test-version:
	scripts/version.sh check

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

## ---- securesocket-probe (cmd/securesocket-probe) ----------------------------
# probe       build/securesocket-probe: connects with the library's verification
#             and prints status, detail, chain, TLS version and suite, revocation
# demo-probe  the probe against a few lab scenarios (exit status 0, 1, 3)

probe:
	$(GO) build -trimpath -o $(BUILD)/securesocket-probe ./cmd/securesocket-probe

demo-probe: probe
	tests/c/lab.sh run $(BUILD)/lab-probe sh -c 'set -- $$(tests/c/lab.sh ports $(BUILD)/lab-probe trusted expired refused); \
		for p in "$$@"; do echo "$$ securesocket-probe localhost $$p"; $(BUILD)/securesocket-probe localhost $$p; echo "(exit status $$?)"; done'

demo: demo-go demo-c demo-probe

test: test-version test-install test-go test-c test-portable test-python test-node test-interop test-docs test-bench-smoke test-dist-smoke

clean:
	rm -rf $(BUILD)
