#!/bin/sh
# capi/build.sh OUTDIR [--target TARGET] [--debug] [--valgrind] [--pipe]
#
# Builds libsecuresocket with the Go toolchain, the one place that knows the
# flags, used by the Makefile, CMakeLists.txt and the packaging scripts:
#   OUTDIR/libsecuresocket.so.0   the library (SONAME libsecuresocket.so.0)
#   OUTDIR/libsecuresocket.so     symlink for the linker
#   OUTDIR/securesocket_cgo.h     the header cgo generates (not installed)
# then compiles the public header as C99 and C++ with -Werror, and together
# with the generated header (capi/check/drift.c).
#
# --target cross-builds (docs/building.md says how each is tested):
#   (none)        the host, with $CC (default cc): today's native build
#   linux-x64     x86_64 Linux, glibc 2.17 or later (manylinux2014)
#   linux-arm64   aarch64 Linux, glibc 2.17 or later (manylinux2014)
#   win32-x64     x86_64 Windows: OUTDIR/securesocket.dll exporting exactly
#                 the ss_* functions, OUTDIR/libsecuresocket.dll.a (its
#                 import library for MinGW/GCC/clang), OUTDIR/securesocket.def
#                 (for MSVC's lib /def:securesocket.def /machine:x64)
# The Linux targets use zig cc (PyPI's ziglang: python3 -m ziglang), the one
# compiler here that links against an old glibc (2.17) from any host; Debian's
# cross-gcc would tie the library to the build machine's glibc. win32-x64 uses
# Debian's MinGW-w64 gcc (x86_64-w64-mingw32-gcc), the toolchain Go's own
# Windows cgo builders use; the same compiler builds the C tests for wine.
# Environment overrides: ZIG (default "python3 -m ziglang"), MINGW_CC
# (default x86_64-w64-mingw32-gcc).
#
# --debug adds the ss_debug_* test hooks (capi/debug.go) for the tests and
# the benchmark that need them. --valgrind tells memcheck that memory Go
# hands to the C half is Go's (capi/valgrind.go, SSI_GO_MEMORY in capi.h),
# for the valgrind pass. --pipe takes the pipe event path instead of Linux's
# eventfd (capi/eventpipe.go, capi/evfd.c), so that the path of macOS and the
# BSDs is tested on Linux. Each makes a different library: give it its own
# OUTDIR. Only capi/ is rebuilt for them; the rest comes from Go's cache
# (-trimpath everywhere, tests/c/lab.sh too, so the cache is shared).
#
# Environment: GO (default go), CC (default cc), CXX (default c++).
set -eu

out=${1:?usage: capi/build.sh OUTDIR [--target TARGET] [--debug] [--valgrind] [--pipe]}
shift
tags=
target=
while [ $# -gt 0 ]; do
	case $1 in
	--debug) tags="$tags ssdebug" ;;
	--valgrind) tags="$tags ssvalgrind" ;;
	--pipe) tags="$tags sseventpipe" ;;
	--target)
		[ $# -ge 2 ] || { echo "capi/build.sh: --target needs a value" >&2; exit 2; }
		target=$2
		shift
		;;
	--target=*) target=${1#--target=} ;;
	*)
		echo "capi/build.sh: unknown option $1" >&2
		exit 2
		;;
	esac
	shift
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
GO=${GO:-go}
CC=${CC:-cc}
CXX=${CXX:-c++}
ZIG=${ZIG:-python3 -m ziglang}
MINGW_CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}

mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"

# Linux: -soname so that consumers record libsecuresocket.so.0, not the build
# path. --version-script: export ss_* only (docs/ffi-notes.md, "Exported symbols").
# --wrap=pthread_getattr_np: the runtime's stack query lands in
#   capi/stackwrap.c, which makes Go calls from foreign stacks on the main
#   thread (Node/koffi) cost ~250 ns instead of ~50 us (docs/ffi-notes.md).
# -buildid= (below) and a content hash as the GNU build id: Go's own build id
#   hashes the compiler's path, which differs per checkout (make dist is
#   reproducible).
linux_extld="-Wl,-soname,libsecuresocket.so.0 -Wl,--version-script=$here/exports.map -Wl,--wrap=pthread_getattr_np -Wl,--build-id=sha1"

# zig cc as a one-word CC for cgo: a wrapper script in OUTDIR. It also drops
# the flags zig's clang driver does not take from Go's linker.
zig_cc() { # NAME ZIGTARGET
	cat >"$out/.$1" <<-EOF
	#!/bin/sh
	exec $ZIG $2 -target $3 "\$@"
	EOF
	chmod +x "$out/.$1"
}

go_build() { # OUTFILE EXTLDFLAGS
	"$GO" build -buildmode=c-shared -trimpath -tags "${tags# }" \
		-ldflags "-w -buildid= -extldflags '$2'" -o "$1" ./capi
}

case $target in
'')
	CGO_ENABLED=1 go_build "$out/libsecuresocket.so.0" "$linux_extld"
	tcc=$CC
	;;
linux-x64 | linux-arm64)
	case $target in
	linux-x64) arch=amd64 zt=x86_64-linux-gnu.2.17 ;;
	*) arch=arm64 zt=aarch64-linux-gnu.2.17 ;;
	esac
	$ZIG version >/dev/null 2>&1 || {
		echo "capi/build.sh: --target $target needs zig: pip install ziglang (or set ZIG)" >&2
		exit 1
	}
	zig_cc zigcc cc "$zt"
	zig_cc zigcxx c++ "$zt"
	CGO_ENABLED=1 GOOS=linux GOARCH=$arch CC="$out/.zigcc" CXX="$out/.zigcxx" \
		go_build "$out/libsecuresocket.so.0" "$linux_extld"
	# manylinux2014: nothing newer than GLIBC_2.17 may be referenced.
	newest=$(readelf -V "$out/libsecuresocket.so.0" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -t. -k1,1n -k2,2n | tail -n 1)
	case $newest in
	2.[0-9] | 2.1[0-7] | 2.[0-9].* | 2.1[0-7].*) ;;
	*)
		echo "capi/build.sh: $target library needs GLIBC_$newest, more than 2.17" >&2
		exit 1
		;;
	esac
	tcc=$CC # the same POSIX branch of the C files as a native build
	;;
win32-x64)
	command -v "$MINGW_CC" >/dev/null 2>&1 || {
		echo "capi/build.sh: --target win32-x64 needs $MINGW_CC: apt-get install gcc-mingw-w64-x86-64" >&2
		exit 1
	}
	# The exports: exactly the functions the header declares (plus the
	# debug hooks in a --debug build), from a .def file of ours, as the
	# version script does on Linux. Go's linker writes its own .def of the
	# //export names (ssgo_*) unless --export-all-symbols is given; GNU ld's
	# --exclude-all-symbols then turns automatic exports off again, so the
	# .def file alone decides (tests/c/check_symbols.sh checks the DLL).
	{
		echo "LIBRARY securesocket.dll"
		echo "EXPORTS"
		sed -n 's/^SS_API [^(]*[ *]\(ss_[a-z0-9_]*\)(.*/\1/p' include/securesocket.h
		case " $tags " in
		*" ssdebug "*) sed -n 's,^//export \(ss_debug_[a-z0-9_]*\)$,\1,p' capi/debug.go ;;
		esac
	} >"$out/securesocket.def"
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="$MINGW_CC" \
		go_build "$out/securesocket.dll" "-Wl,--export-all-symbols -Wl,--exclude-all-symbols $out/securesocket.def -Wl,--out-implib,$out/libsecuresocket.dll.a"
	tcc=$MINGW_CC
	;;
*)
	echo "capi/build.sh: unknown target $target (linux-x64, linux-arm64, win32-x64)" >&2
	exit 2
	;;
esac
mv -f "$out/libsecuresocket.so.h" "$out/securesocket_cgo.h" 2>/dev/null ||
	mv -f "$out/securesocket.h" "$out/securesocket_cgo.h"
[ "${target#win32}" != "$target" ] || ln -sf libsecuresocket.so.0 "$out/libsecuresocket.so"

# The public header stands alone, warning-free, in C99 and in C++.
printf '#include "securesocket.h"\nint main(void) { return ss_version_number() != SS_VERSION_NUMBER; }\n' >"$out/.hdr.c"
"$CC" -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only "$out/.hdr.c"
cp "$out/.hdr.c" "$out/.hdr.cpp"
"$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only "$out/.hdr.cpp"
rm -f "$out/.hdr.c" "$out/.hdr.cpp"

# The hand-written header against the generated one.
# For Windows with the target's compiler: the Windows branch of compat.h.
"$tcc" -std=gnu99 -Wall -Wextra -Werror -Iinclude -Icapi -I"$out" -fsyntax-only capi/check/drift.c
rm -f "$out/.zigcc" "$out/.zigcxx"
