#!/bin/sh
# tests/cross/ensure.sh TOOL...
# Installs what the cross targets need when it is missing: Debian packages
# through apt-get (as root, or with sudo), zig through pip (PyPI's ziglang).
#   zig      python3 -m ziglang (capi/build.sh --target linux-*)
#   arm64    qemu-aarch64, aarch64-linux-gnu-gcc and the arm64 libc (the
#            sysroot /usr/aarch64-linux-gnu that qemu -L and the tests use)
#   windows  x86_64-w64-mingw32-gcc and wine64
#   mingw    x86_64-w64-mingw32-gcc only (building the DLL, make dist)
set -eu

apt_install() {
	if [ "$(id -u)" = 0 ]; then
		apt-get install -y --no-install-recommends "$@" || { apt-get update && apt-get install -y --no-install-recommends "$@"; }
	else
		sudo apt-get install -y --no-install-recommends "$@" || { sudo apt-get update && sudo apt-get install -y --no-install-recommends "$@"; }
	fi
}

for tool in "$@"; do
	case $tool in
	zig)
		python3 -m ziglang version >/dev/null 2>&1 ||
			python3 -m pip install --quiet ziglang==0.17.0 ||
			python3 -m pip install --quiet --break-system-packages ziglang==0.17.0
		;;
	arm64)
		if ! command -v qemu-aarch64 >/dev/null 2>&1 || ! command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 ||
			[ ! -e /usr/aarch64-linux-gnu/lib/libc.so.6 ]; then
			apt_install qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
		fi
		;;
	windows)
		if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || [ ! -x /usr/lib/wine/wine64 ]; then
			apt_install gcc-mingw-w64-x86-64 wine64
		fi
		;;
	mingw)
		command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || apt_install gcc-mingw-w64-x86-64
		;;
	*)
		echo "tests/cross/ensure.sh: unknown tool $tool" >&2
		exit 2
		;;
	esac
done
