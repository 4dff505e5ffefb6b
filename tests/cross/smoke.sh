#!/bin/sh
# tests/cross/smoke.sh   (make test-portable, part of make test)
#
# The cheap part of the cross targets, in seconds: the C half of the library
# (capi/*.c without cgo's generated files) compiles warning-free for Windows,
# macOS, FreeBSD and arm64 Linux with zig cc (it ships those platforms'
# headers), and the Go packages type-check for them (go vet). The pipe event
# path itself runs in ctest (pipe_*); make test-arm64 and make test-windows
# run the suites.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
GO=${GO:-go}
tests/cross/ensure.sh zig
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in x86_64-windows-gnu aarch64-macos x86_64-macos x86_64-freebsd aarch64-linux-gnu.2.17; do
	for f in queue misc evfd stackwrap; do
		# -c -o, not -fsyntax-only, which zig 0.17's cache mishandles.
		python3 -m ziglang cc -target "$t" -std=gnu99 -Wall -Wextra -Werror \
			-Iinclude -Icapi -c -o "$tmp/$f.o" "capi/$f.c"
	done
	echo "capi C files: $t ok"
done
for p in windows/amd64 darwin/arm64 darwin/amd64 freebsd/amd64 linux/arm64; do
	GOOS=${p%/*} GOARCH=${p#*/} CGO_ENABLED=0 "$GO" vet ./core/... ./tests/lab/...
	echo "go vet: $p ok"
done
