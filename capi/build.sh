#!/bin/sh
# capi/build.sh OUTDIR [--debug] [--valgrind]
#
# Builds libsecuresocket with the Go toolchain, the one place that knows the
# flags, used by both the Makefile and CMakeLists.txt:
#   OUTDIR/libsecuresocket.so.0   the library (SONAME libsecuresocket.so.0)
#   OUTDIR/libsecuresocket.so     symlink for the linker
#   OUTDIR/securesocket_cgo.h     the header cgo generates (not installed)
# then compiles the public header as C99 and C++ with -Werror, and together
# with the generated header (capi/check/drift.c).
#
# --debug adds the ss_debug_* test hooks (capi/debug.go) for the tests and
# the benchmark that need them. --valgrind tells memcheck that memory Go
# hands to the C half is Go's (capi/valgrind.go, SSI_GO_MEMORY in capi.h),
# for the valgrind pass. Both make a different library: give them their own
# OUTDIR. Only capi/ is rebuilt for them; the rest comes from Go's cache
# (-trimpath everywhere, tests/c/lab.sh too, so the cache is shared).
#
# Environment: GO (default go), CC (default cc), CXX (default c++).
set -eu

out=${1:?usage: capi/build.sh OUTDIR [--debug] [--valgrind]}
shift
tags=
for opt in "$@"; do
	case $opt in
	--debug) tags="$tags ssdebug" ;;
	--valgrind) tags="$tags ssvalgrind" ;;
	*)
		echo "capi/build.sh: unknown option $opt" >&2
		exit 2
		;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
GO=${GO:-go}
CC=${CC:-cc}
CXX=${CXX:-c++}

mkdir -p "$out"
out=$(cd "$out" && pwd)

# -soname: consumers record libsecuresocket.so.0, not the build path.
# --version-script: export ss_* only (docs/ffi-notes.md, "Exported symbols").
# --wrap=pthread_getattr_np: the runtime's stack query lands in
#   capi/stackwrap.c, which makes Go calls from foreign stacks on the main
#   thread (Node/koffi) cost ~250 ns instead of ~50 us (docs/ffi-notes.md).
extld="-Wl,-soname,libsecuresocket.so.0 -Wl,--version-script=$here/exports.map -Wl,--wrap=pthread_getattr_np"

cd "$root"
CGO_ENABLED=1 "$GO" build -buildmode=c-shared -trimpath -tags "${tags# }" \
	-ldflags "-w -extldflags '$extld'" \
	-o "$out/libsecuresocket.so.0" ./capi
mv -f "$out/libsecuresocket.so.h" "$out/securesocket_cgo.h"
ln -sf libsecuresocket.so.0 "$out/libsecuresocket.so"

# The public header stands alone, warning-free, in C99 and in C++.
printf '#include "securesocket.h"\nint main(void) { return ss_version_number() != SS_VERSION_NUMBER; }\n' >"$out/.hdr.c"
"$CC" -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only "$out/.hdr.c"
cp "$out/.hdr.c" "$out/.hdr.cpp"
"$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only "$out/.hdr.cpp"
rm -f "$out/.hdr.c" "$out/.hdr.cpp"

# The hand-written header against the generated one.
"$CC" -std=gnu99 -Wall -Wextra -Werror -Iinclude -Icapi -I"$out" -fsyntax-only capi/check/drift.c
