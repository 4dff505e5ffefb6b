#!/bin/sh
# scripts/version.sh [check | set X.Y.Z]
#
# The top-level VERSION file is the one source of securesocket's version
# (docs/versioning.md). Every other place that must say it is listed here:
#   check  (default; `make test` runs it) fails, naming each place that
#          differs from VERSION;
#   set    writes X.Y.Z into VERSION and every place below.
# CMakeLists.txt reads VERSION itself; capi/ and the library's ss_version()
# take it from the header's SS_VERSION macros, checked here.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

h=include/securesocket.h
py=bindings/python/pyproject.toml
pyinit=bindings/python/securesocket/__init__.py
pynative=bindings/python/securesocket/_native.py
pytest_api=bindings/python/tests/test_api.py
pkg=bindings/node/package.json
lock=bindings/node/package-lock.json
nodenative=bindings/node/lib/native.js
consumer=tests/c/consumer/CMakeLists.txt

number() { # X.Y.Z -> MAJOR*1000000 + MINOR*1000 + PATCH
	echo "$1" | awk -F. '{ print $1 * 1000000 + $2 * 1000 + $3 }'
}

valid() {
	echo "$1" | grep -Eq '^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$' || {
		echo "version.sh: '$1' is not MAJOR.MINOR.PATCH (each 0..999)" >&2
		exit 2
	}
}

cmd=${1:-check}
case $cmd in
set)
	v=${2:?usage: scripts/version.sh set X.Y.Z}
	valid "$v"
	major=${v%%.*}
	rest=${v#*.}
	minor=${rest%%.*}
	patch=${rest#*.}
	n=$(number "$v")
	echo "$v" >VERSION
	sed -i -e "s/^#define SS_VERSION_MAJOR .*/#define SS_VERSION_MAJOR $major/" \
		-e "s/^#define SS_VERSION_MINOR .*/#define SS_VERSION_MINOR $minor/" \
		-e "s/^#define SS_VERSION_PATCH .*/#define SS_VERSION_PATCH $patch/" \
		-e "s/^#define SS_VERSION \".*\"/#define SS_VERSION \"$v\"/" \
		-e "s/^#define SS_VERSION_NUMBER .*/#define SS_VERSION_NUMBER $n/" "$h"
	sed -i "s/^version = \".*\"/version = \"$v\"/" "$py"
	sed -i "s/^__version__ = \".*\"/__version__ = \"$v\"/" "$pyinit"
	sed -i "s/^HEADER_VERSION_NUMBER = .*/HEADER_VERSION_NUMBER = $n/" "$pynative"
	sed -i "s/securesocket.version() == \"[0-9.]*\"/securesocket.version() == \"$v\"/" "$pytest_api"
	sed -i "s/^const HEADER_VERSION_NUMBER = .*;/const HEADER_VERSION_NUMBER = $n;/" "$nodenative"
	sed -i "s/^find_package(SecureSocket [0-9.]* REQUIRED)/find_package(SecureSocket $major.$minor REQUIRED)/" "$consumer"
	# package.json and the lock's two entries for the package itself.
	node -e '
		const fs = require("fs");
		const [pkg, lock, v] = process.argv.slice(1);
		const p = JSON.parse(fs.readFileSync(pkg, "utf8")); p.version = v;
		fs.writeFileSync(pkg, JSON.stringify(p, null, 2) + "\n");
		const l = JSON.parse(fs.readFileSync(lock, "utf8")); l.version = v; l.packages[""].version = v;
		fs.writeFileSync(lock, JSON.stringify(l, null, 2) + "\n");
	' "$pkg" "$lock" "$v"
	"$0" check
	;;
check)
	v=$(cat VERSION)
	valid "$v"
	n=$(number "$v")
	bad=0
	expect() { # FILE WHAT FOUND WANTED
		if [ "$3" != "$4" ]; then
			echo "version.sh: $1: $2 is '$3', VERSION says '$4' (scripts/version.sh set $v)" >&2
			bad=1
		fi
	}
	define() { sed -n "s/^#define $1 \"*\([^\"]*\)\"*\$/\1/p" "$h"; }
	expect "$h" SS_VERSION_MAJOR "$(define SS_VERSION_MAJOR)" "${v%%.*}"
	rest=${v#*.}
	expect "$h" SS_VERSION_MINOR "$(define SS_VERSION_MINOR)" "${rest%%.*}"
	expect "$h" SS_VERSION_PATCH "$(define SS_VERSION_PATCH)" "${rest#*.}"
	expect "$h" SS_VERSION "$(define SS_VERSION)" "$v"
	expect "$h" SS_VERSION_NUMBER "$(define SS_VERSION_NUMBER)" "$n"
	expect "$py" version "$(sed -n 's/^version = "\(.*\)"$/\1/p' "$py")" "$v"
	expect "$pyinit" __version__ "$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$pyinit")" "$v"
	expect "$pynative" HEADER_VERSION_NUMBER "$(sed -n 's/^HEADER_VERSION_NUMBER = \([0-9]*\).*/\1/p' "$pynative")" "$n"
	expect "$nodenative" HEADER_VERSION_NUMBER "$(sed -n 's/^const HEADER_VERSION_NUMBER = \([0-9]*\);.*/\1/p' "$nodenative")" "$n"
	expect "$consumer" "find_package version" \
		"$(sed -n 's/^find_package(SecureSocket \([0-9.]*\) REQUIRED)/\1/p' "$consumer")" "${v%.*}"
	json() { node -p "const j = require('./$1'); $2"; }
	expect "$pkg" version "$(json "$pkg" j.version)" "$v"
	expect "$lock" version "$(json "$lock" j.version)" "$v"
	expect "$lock" 'packages[""].version' "$(json "$lock" 'j.packages[""].version')" "$v"
	grep -q 'file(STRINGS VERSION' CMakeLists.txt ||
		{ echo "version.sh: CMakeLists.txt does not read its project version from VERSION" >&2; bad=1; }
	[ $bad = 0 ] || exit 1
	echo "version.sh: $v everywhere"
	;;
*)
	echo "usage: scripts/version.sh [check | set X.Y.Z]" >&2
	exit 2
	;;
esac
