#!/bin/sh
# run.sh BUILD_DIR WORK_DIR [CMAKE] [CC]
# Installs the package built in BUILD_DIR into WORK_DIR/stage, then builds
# and runs main.c against it twice: with pkg-config, and with
# find_package(SecureSocket) from a separate CMake project.
set -eu
build=$1
work=$2
cmake=${3:-cmake}
cc=${4:-cc}
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
stage=$work/stage
"$cmake" --install "$build" --prefix "$stage" >"$work/install.log"

echo "== pkg-config"
pc=$(find "$stage" -name securesocket.pc)
export PKG_CONFIG_PATH="$(dirname "$pc")"
cflags=$(pkg-config --cflags securesocket)
libs=$(pkg-config --libs securesocket)
libdir=$(pkg-config --variable=libdir securesocket)
echo "cflags: $cflags  libs: $libs"
# shellcheck disable=SC2086
"$cc" -std=c99 -Wall -Wextra -Werror $cflags -o "$work/pc_consumer" "$here/main.c" $libs -Wl,-rpath,"$libdir"
"$work/pc_consumer"
readelf -d "$work/pc_consumer" | grep -q 'NEEDED.*\[libsecuresocket\.so\.0\]'

echo "== find_package"
"$cmake" -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$stage" -DCMAKE_C_COMPILER="$cc" >"$work/configure.log"
"$cmake" --build "$work/cmake" >"$work/build.log"
"$work/cmake/consumer"
readelf -d "$work/cmake/consumer" | grep -q 'NEEDED.*\[libsecuresocket\.so\.0\]'
echo "both consumers built and ran"
