#!/bin/sh
# tests/cross/arm64.sh [BUILDDIR]   (make test-arm64)
#
# The Go tests and the C suite for linux-arm64, run under qemu-user on this
# x86_64 machine (docs/building.md):
#   - the library: capi/build.sh --target linux-arm64 --debug (zig cc, glibc
#     2.17; the debug hooks for test_debug and test_port), its exports checked;
#   - the C tests, compiled with Debian's aarch64-linux-gnu-gcc, run by
#     qemu-aarch64 -L /usr/aarch64-linux-gnu against the lab, which runs
#     natively on the host (qemu-user shares the host's network);
#   - the Go tests of core, core/amf and tests/lab: GOARCH=arm64 go test
#     -exec qemu-aarch64 (pure Go: CGO_ENABLED=0, no -race under emulation).
# Installs what it needs (tests/cross/ensure.sh).
set -eu
# grep -c exits 1 when it counts 0, which would end the script (set -e).
count() { grep -c "$1" "$2" || true; }
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
b=${1:-build/arm64}
mkdir -p "$b"
b=$(cd "$b" && pwd)
GO=${GO:-go}
SYSROOT=${SYSROOT:-/usr/aarch64-linux-gnu}
tests/cross/ensure.sh zig arm64
QEMU="qemu-aarch64 -L $SYSROOT"

echo "== library: capi/build.sh $b/lib --target linux-arm64 --debug"
GO=$GO capi/build.sh "$b/lib" --target linux-arm64 --debug
tests/c/check_symbols.sh "$b/lib/libsecuresocket.so.0" include/securesocket.h capi/debug.go

echo "== C tests (aarch64-linux-gnu-gcc, qemu-aarch64)"
tests="test_api test_net test_events test_threads test_trust test_object test_debug test_port"
for t in $tests; do
	aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -o "$b/$t" \
		"tests/c/$t.c" tests/c/testutil.c -L"$b/lib" -lsecuresocket -lpthread -lm \
		-Wl,-rpath,"$b/lib"
done
tests/c/lab.sh start "$b/lab"
trap 'tests/c/lab.sh stop "$b/lab"' EXIT INT TERM
failed=
report=
for t in $tests; do
	echo "-- $t"
	SS_TEST_RUNNER="$QEMU" SS_LAB_JSON="$b/lab/lab.json" SSL_CERT_FILE="$b/lab/certs/ca.pem" SS_EXPECT_EVENT_FD=epoll \
		$QEMU "$b/$t" >"$b/$t.log" 2>&1 && rc=0 || rc=$?
	cat "$b/$t.log"
	[ $rc -eq 0 ] || failed="$failed $t"
	report="$report
  $t: $(count '^ok' "$b/$t.log") ok, $(count '^FAIL' "$b/$t.log") failed"
done
tests/c/lab.sh stop "$b/lab"
trap - EXIT INT TERM

echo "== Go tests (GOARCH=arm64, qemu-aarch64)"
GOARCH=arm64 CGO_ENABLED=0 "$GO" test -v -count=1 -timeout 30m -exec "$QEMU" ./core/... ./tests/lab/... >"$b/go.log" 2>&1 && rc=0 || rc=$?
grep -E '^(--- FAIL|FAIL|ok)' "$b/go.log" || true
echo "== summary$report
  go: $(count '^--- PASS' "$b/go.log") top-level tests passed, $(count '^--- FAIL' "$b/go.log") failed, $(count '^--- SKIP' "$b/go.log") skipped"
[ -z "$failed" ] || echo "test-arm64: C tests failed:$failed" >&2
[ $rc -eq 0 ] || echo "test-arm64: Go tests failed (see $b/go.log)" >&2
[ -z "$failed" ] && [ $rc -eq 0 ] || exit 1
echo "test-arm64: all passed"
