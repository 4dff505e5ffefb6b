#!/bin/sh
# scripts/c-tree.sh install SRCDIR DEST [LIBDIR [INCLUDEDIR]]
# scripts/c-tree.sh uninstall DEST [LIBDIR [INCLUDEDIR]]
#
# The installed C library, laid out once for `make install` and for the C
# archives of `make dist` (scripts/dist.sh):
#   DEST/INCLUDEDIR/securesocket.h
#   DEST/LIBDIR/libsecuresocket.so.X.Y.Z      the library (SONAME libsecuresocket.so.0)
#   DEST/LIBDIR/libsecuresocket.so.0          -> libsecuresocket.so.X.Y.Z (what programs load)
#   DEST/LIBDIR/libsecuresocket.so            -> libsecuresocket.so.0 (what -lsecuresocket finds)
#   DEST/LIBDIR/libsecuresocket.a             the static library, if SRCDIR has one
#   DEST/LIBDIR/pkgconfig/securesocket.pc
#   DEST/LIBDIR/cmake/SecureSocket/SecureSocketConfig.cmake, ...ConfigVersion.cmake
# SRCDIR holds libsecuresocket.so.0 (capi/build.sh) and optionally
# libsecuresocket.a. LIBDIR defaults to lib, INCLUDEDIR to include; both are
# relative to DEST, and the pkg-config and CMake files find the rest
# relative to themselves, so the tree can be moved. X.Y.Z is VERSION.
# uninstall removes exactly these files (and the CMake folder if empty).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$root/VERSION")

cmd=${1:?usage: scripts/c-tree.sh install SRCDIR DEST [LIBDIR [INCLUDEDIR]] | uninstall DEST [LIBDIR [INCLUDEDIR]]}
shift
if [ "$cmd" = install ]; then
	src=${1:?SRCDIR}
	shift
fi
dest=${1:?DEST}
libdir=${2:-lib}
incdir=${3:-include}

# ../ once per component of a relative path.
ups() { echo "$1" | awk -F/ '{ s = ""; for (i = 1; i <= NF; i++) if ($i != "" && $i != ".") s = s "../"; sub("/$", "", s); print s }'; }

files="$incdir/securesocket.h
$libdir/libsecuresocket.so.$version
$libdir/libsecuresocket.so.0
$libdir/libsecuresocket.so
$libdir/libsecuresocket.a
$libdir/pkgconfig/securesocket.pc
$libdir/cmake/SecureSocket/SecureSocketConfig.cmake
$libdir/cmake/SecureSocket/SecureSocketConfigVersion.cmake"

case $cmd in
install)
	[ -f "$src/libsecuresocket.so.0" ] || { echo "c-tree.sh: $src/libsecuresocket.so.0 missing (make lib)" >&2; exit 1; }
	mkdir -p "$dest/$incdir" "$dest/$libdir/pkgconfig" "$dest/$libdir/cmake/SecureSocket"
	install -m 644 "$root/include/securesocket.h" "$dest/$incdir/securesocket.h"
	install -m 755 "$src/libsecuresocket.so.0" "$dest/$libdir/libsecuresocket.so.$version"
	ln -sfn "libsecuresocket.so.$version" "$dest/$libdir/libsecuresocket.so.0"
	ln -sfn libsecuresocket.so.0 "$dest/$libdir/libsecuresocket.so"
	if [ -f "$src/libsecuresocket.a" ]; then
		install -m 644 "$src/libsecuresocket.a" "$dest/$libdir/libsecuresocket.a"
	fi
	subst() {
		sed -e "s|@SS_VERSION@|$version|g" -e "s|@SS_LIBDIR@|$libdir|g" -e "s|@SS_INCLUDEDIR@|$incdir|g" \
			-e "s|@SS_PC_TO_PREFIX@|$(ups "$libdir/pkgconfig")|g" \
			-e "s|@SS_CONFIG_TO_PREFIX@|$(ups "$libdir/cmake/SecureSocket")|g" "$1" >"$2"
		chmod 644 "$2"
	}
	subst "$root/cmake/securesocket.pc.in" "$dest/$libdir/pkgconfig/securesocket.pc"
	subst "$root/cmake/SecureSocketConfig.cmake.in" "$dest/$libdir/cmake/SecureSocket/SecureSocketConfig.cmake"
	subst "$root/cmake/SecureSocketConfigVersion.cmake.in" \
		"$dest/$libdir/cmake/SecureSocket/SecureSocketConfigVersion.cmake"
	echo "$files" | while read -r f; do [ -e "$dest/$f" ] || [ -L "$dest/$f" ] && echo "installed $dest/$f"; done
	;;
uninstall)
	echo "$files" | while read -r f; do
		if [ -e "$dest/$f" ] || [ -L "$dest/$f" ]; then rm -f "$dest/$f" && echo "removed $dest/$f"; fi
	done
	rmdir "$dest/$libdir/cmake/SecureSocket" 2>/dev/null || true
	;;
*)
	echo "c-tree.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
