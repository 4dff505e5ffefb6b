#!/bin/sh
# tests/packaging/c_consumer.sh PREFIX WORK
#
# Uses an installed C tree (make install, or a C archive of make dist
# unpacked) the ways a consumer would, and fails if any does not work:
#   - pkg-config: tests/c/consumer/main.c built with `pkg-config --cflags
#     --libs securesocket`, run, and it must need libsecuresocket.so.0;
#   - the example (examples/c) built the same way and run against the lab
#     when SS_LAB_JSON names a running one (tests/c/lab.sh);
#   - find_package(SecureSocket 0.x) from a separate CMake project
#     (tests/c/consumer): the shared target, and the static one;
#   - the static library linked by hand (libsecuresocket.a -lpthread): the
#     program must not need libsecuresocket.so.0 and must run.
# Environment: CC (default cc), CMAKE (default cmake).
set -eu

prefix=$(cd "${1:?usage: c_consumer.sh PREFIX WORK}" && pwd)
work=${2:?usage: c_consumer.sh PREFIX WORK}
CC=${CC:-cc}
CMAKE=${CMAKE:-cmake}
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

needs_lib() { readelf -d "$1" | grep -q 'NEEDED.*\[libsecuresocket\.so\.0\]'; }

echo "== pkg-config ($prefix)"
pc=$(find "$prefix" -name securesocket.pc)
export PKG_CONFIG_PATH="$(dirname "$pc")"
cflags=$(pkg-config --cflags securesocket)
libs=$(pkg-config --libs securesocket)
libdir=$(pkg-config --variable=libdir securesocket)
echo "securesocket $(pkg-config --modversion securesocket): $cflags $libs"
[ "$(pkg-config --modversion securesocket)" = "$(cat "$root/VERSION")" ]
# shellcheck disable=SC2086
"$CC" -std=c99 -Wall -Wextra -Werror $cflags -o "$work/pc_consumer" "$root/tests/c/consumer/main.c" $libs \
	-Wl,-rpath,"$libdir"
"$work/pc_consumer"
needs_lib "$work/pc_consumer"

if [ -n "${SS_LAB_JSON:-}" ]; then
	echo "== the example against the lab"
	# shellcheck disable=SC2086
	"$CC" -std=c99 -Wall -Wextra -Werror $cflags -o "$work/example" "$root/examples/c/securesocket_example.c" \
		$libs -Wl,-rpath,"$libdir"
	port() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ports"][sys.argv[2]])' "$SS_LAB_JSON" "$1"; }
	"$work/example" localhost "$(port trusted)" "$(port expired)" "$(port wrongHost)" | tee "$work/example.out"
	grep -q '^trusted: Connected\.' "$work/example.out"
	grep -q '^expired: Error #2031.*, expired$' "$work/example.out"
	grep -q '^wrongHost: Error #2031.*, principalMismatch$' "$work/example.out"
fi

echo "== find_package"
"$CMAKE" -S "$root/tests/c/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" \
	>"$work/configure.log"
"$CMAKE" --build "$work/cmake" >"$work/build.log"
"$work/cmake/consumer"
needs_lib "$work/cmake/consumer"
if [ -f "$libdir/libsecuresocket.a" ]; then
	"$work/cmake/consumer_static"
	! needs_lib "$work/cmake/consumer_static"

	echo "== static library by hand"
	# shellcheck disable=SC2086
	"$CC" -std=c99 -Wall -Wextra -Werror $cflags -o "$work/static_consumer" "$root/tests/c/consumer/main.c" \
		"$libdir/libsecuresocket.a" -lpthread
	"$work/static_consumer"
	! needs_lib "$work/static_consumer"
fi
echo "c_consumer.sh: every way worked"
