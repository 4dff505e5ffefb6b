#!/bin/sh
# bindings/python/build_wheel.sh [OUTDIR]
#
# Builds the securesocket wheel (py3-none-<platform>) carrying the library:
# builds build/libsecuresocket.so.0 (make lib) unless SECURESOCKET_NO_BUILD
# is set, copies it into the package for the build only, and writes the wheel
# to OUTDIR (default bindings/python/dist). The copy is removed afterwards
# whatever happens: left in the tree it would shadow a fresh build/ library.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/dist}
PYTHON=${PYTHON:-python3}

if [ -z "${SECURESOCKET_NO_BUILD:-}" ]; then
	make -C "$root" lib
fi
lib="$root/build/libsecuresocket.so.0"
[ -f "$lib" ] || { echo "build_wheel.sh: $lib missing (make lib)" >&2; exit 1; }

copy="$here/securesocket/libsecuresocket.so.0"
trap 'rm -f "$copy"; rm -rf "$here/build" "$here"/*.egg-info' EXIT INT TERM
cp "$lib" "$copy"
mkdir -p "$out"
"$PYTHON" -m pip wheel --no-deps --wheel-dir "$out" "$here"
ls "$out"/securesocket-*.whl
