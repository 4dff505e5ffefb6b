#!/bin/sh
# tests/cross/windows.sh [BUILDDIR]   (make test-windows)
#
# The Go tests and the C suite for win32-x64, run under wine on this Linux
# machine, with the Windows event path (a loopback socket pair, capi/evfd.c):
#   - the library: capi/build.sh --target win32-x64 --debug (MinGW-w64 gcc),
#     its export table checked against the header;
#   - the C tests, compiled with x86_64-w64-mingw32-gcc (tests/c/portable.h),
#     run by wine64 next to securesocket.dll, against the lab, which runs
#     natively on the host (wine shares the host's network);
#   - the Go tests of core/amf, core and tests/lab: GOOS=windows go test -c,
#     run by wine64.
# Installs what it needs (tests/cross/ensure.sh).
#
# Every suite must pass. The lab's CA is trusted through SSL_CERT_FILE, which
# core honours on Windows too (core/store.go; Go's own verifier against the
# store it names): wine 8's CryptoAPI verifier does not take the lab's CA even
# from its Root store (docs/building.md, "What wine shows").
set -eu
# grep -c exits 1 when it counts 0, which would end the script (set -e).
count() { grep -c "$1" "$2" || true; }
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
b=${1:-build/windows}
mkdir -p "$b"
b=$(cd "$b" && pwd)
GO=${GO:-go}
tests/cross/ensure.sh windows
WINE=${WINE:-/usr/lib/wine/wine64}
export WINEPREFIX="$b/wine" WINEDEBUG=${WINEDEBUG:--all}
CC=x86_64-w64-mingw32-gcc

echo "== wine prefix $WINEPREFIX"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
	"$WINE" wineboot -i >/dev/null 2>&1 || true
fi
# Go 1.22+ needs bcryptprimitives.dll's ProcessPrng, which wine 8 lacks
# (tests/cross/bcryptprimitives.c); a newer wine has its own.
sys32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -e "$sys32/bcryptprimitives.dll" ]; then
	"$CC" -O2 -Wall -Wextra -shared -o "$sys32/bcryptprimitives.dll" tests/cross/bcryptprimitives.c -ladvapi32
fi

echo "== library: capi/build.sh $b/lib --target win32-x64 --debug"
GO=$GO capi/build.sh "$b/lib" --target win32-x64 --debug
tests/c/check_symbols.sh "$b/lib/securesocket.dll" include/securesocket.h capi/debug.go

echo "== C tests (x86_64-w64-mingw32-gcc, wine64)"
mkdir -p "$b/c"
cp "$b/lib/securesocket.dll" "$b/c/"
tests="test_api test_debug test_port test_object test_net test_trust test_events test_threads test_proto"
for t in $tests; do
	# -static: winpthreads and libgcc inside the test, no DLLs beside it.
	"$CC" -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -o "$b/c/$t.exe" "tests/c/$t.c" tests/c/testutil.c \
		"$b/lib/libsecuresocket.dll.a" -lws2_32 -lpthread -static
done
tests/c/lab.sh start "$b/lab"
trap 'tests/c/lab.sh stop "$b/lab"' EXIT INT TERM
failed=
report=
for t in $tests; do
	echo "-- $t"
	# Windows paths for the program: Z: is wine's view of /.
	SS_LAB_JSON="Z:$b/lab/lab.json" SSL_CERT_FILE="Z:$b/lab/certs/ca.pem" SS_EXPECT_EVENT_FD=socket \
		"$WINE" "$b/c/$t.exe" >"$b/c/$t.log" 2>&1 && rc=0 || rc=$?
	cat "$b/c/$t.log"
	line="$t: $(count '^ok' "$b/c/$t.log") ok, $(count '^FAIL' "$b/c/$t.log") failed, $(count 'skipped:' "$b/c/$t.log") skipped"
	report="$report
  $line"
	[ $rc -eq 0 ] || failed="$failed $t"
done
tests/c/lab.sh stop "$b/lab"
trap - EXIT INT TERM

echo "== Go tests (GOOS=windows, wine64)"
gofailed=
for p in core/amf tests/lab core; do
	exe="$b/$(echo "$p" | tr / _).test.exe"
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" test -c -o "$exe" "./$p"
	echo "-- $p"
	log="$b/$(echo "$p" | tr / _).log"
	(cd "$p" && "$WINE" "$exe" -test.v -test.count=1 -test.timeout=20m) >"$log" 2>&1 && rc=0 || rc=$?
	grep -E '^(--- FAIL|FAIL|ok|PASS)' "$log" || true
	line="go $p: $(count '^--- PASS' "$log") passed, $(count '^--- FAIL' "$log") failed, $(count '^--- SKIP' "$log") skipped (top-level)"
	report="$report
  $line"
	[ $rc -eq 0 ] || gofailed="$gofailed $p"
done
echo "== summary$report"
[ -z "$failed" ] || echo "test-windows: C tests failed:$failed" >&2
[ -z "$gofailed" ] || echo "test-windows: Go tests failed:$gofailed" >&2
[ -z "$failed$gofailed" ] || exit 1
echo "test-windows: all passed"
