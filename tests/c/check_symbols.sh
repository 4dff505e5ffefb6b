#!/bin/sh
# check_symbols.sh LIBRARY HEADER [DEBUG_GO]
# The library's exported symbols are exactly the functions the header
# declares: nothing of the Go runtime or cgo leaks out (the version script in
# capi/exports.map; on Windows the .def file capi/build.sh writes), and
# nothing declared is missing. DEBUG_GO (capi/debug.go) adds the ss_debug_*
# hooks of a --debug build to what is declared.
#   ELF (.so): nm -D; also the SONAME and the one version node SECURESOCKET_0
#   PE (.dll): the export table (objdump -p)
set -eu
lib=$1
header=$2
declared=$(sed -n 's/^SS_API [^(]*[ *]\(ss_[a-z0-9_]*\)(.*/\1/p' "$header" | sort -u)
if [ $# -ge 3 ]; then
	declared=$(printf '%s\n%s\n' "$declared" "$(sed -n 's,^//export \(ss_debug_[a-z0-9_]*\)$,\1,p' "$3")" | sort -u)
fi
case $lib in
*.dll)
	OBJDUMP=${OBJDUMP:-x86_64-w64-mingw32-objdump}
	exported=$("$OBJDUMP" -p "$lib" | sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/s/^[[:space:]]*\[ *[0-9]*\] \(.*\)$/\1/p' | sort -u)
	;;
*)
	exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtDdBbRrWwVv]$/ {sub(/@.*/, "", $3); print $3}' | sort -u)
	;;
esac
if [ "$exported" != "$declared" ]; then
	echo "exported but not declared:"
	printf '%s\n' "$exported" | grep -vxF "$declared" || true
	echo "declared but not exported:"
	printf '%s\n' "$declared" | grep -vxF "$exported" || true
	exit 1
fi
n=$(printf '%s\n' "$exported" | wc -l)
case $lib in
*.dll)
	echo "$n symbols, all ss_*, all declared"
	exit 0
	;;
esac
# Only the version node besides the functions (GNU ld also lists it as an
# absolute symbol, lld does not).
others=$(nm -D --defined-only "$lib" | awk '$2 !~ /^[TtDdBbRrWwVv]$/ {print $3}')
if [ -n "$others" ] && [ "$others" != "SECURESOCKET_0" ]; then
	echo "unexpected dynamic symbols: $others"
	exit 1
fi
nodes=$(readelf -V "$lib" | sed -n 's/.*Flags: none .*Name: \([A-Za-z0-9_.]*\).*/\1/p' | sort -u)
if [ "$nodes" != "SECURESOCKET_0" ]; then
	echo "version definitions are '$nodes', want SECURESOCKET_0"
	exit 1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
if [ "$soname" != "libsecuresocket.so.0" ]; then
	echo "SONAME is '$soname', want libsecuresocket.so.0"
	exit 1
fi
echo "$n symbols, all ss_*, all declared; version node SECURESOCKET_0; SONAME $soname"
