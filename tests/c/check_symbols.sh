#!/bin/sh
# check_symbols.sh LIBRARY HEADER
# The library's dynamic symbols are exactly the functions the header
# declares: nothing of the Go runtime or cgo leaks out (the version script in
# capi/exports.map), and nothing declared is missing.
set -eu
lib=$1
header=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtDdBbRrWwVv]$/ {sub(/@.*/, "", $3); print $3}' | sort -u)
declared=$(sed -n 's/^SS_API [^(]*[ *]\(ss_[a-z0-9_]*\)(.*/\1/p' "$header" | sort -u)
if [ "$exported" != "$declared" ]; then
	echo "exported but not declared:"
	printf '%s\n' "$exported" | grep -vxF "$declared" || true
	echo "declared but not exported:"
	printf '%s\n' "$declared" | grep -vxF "$exported" || true
	exit 1
fi
# Only the version node besides the functions.
others=$(nm -D --defined-only "$lib" | awk '$2 !~ /^[TtDdBbRrWwVv]$/ {print $3}')
if [ "$others" != "SECURESOCKET_0" ]; then
	echo "unexpected dynamic symbols: $others"
	exit 1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
if [ "$soname" != "libsecuresocket.so.0" ]; then
	echo "SONAME is '$soname', want libsecuresocket.so.0"
	exit 1
fi
echo "$(printf '%s\n' "$exported" | wc -l) symbols, all ss_*, all declared; SONAME $soname"
