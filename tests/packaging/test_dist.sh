#!/bin/sh
# tests/packaging/test_dist.sh DISTDIR [WORKDIR]      (make test-dist, make test-dist-smoke)
#
# Installs each Linux x86_64 artifact of `make dist` the way a user would,
# with Go removed from PATH, and runs its example against the loopback lab:
#   - wheel: auditwheel show must say manylinux_2_17 (x86_64, and aarch64
#     when that wheel is there); installed into a fresh venv, the Python
#     example runs, and the library loaded is the wheel's;
#   - sdist: with Go (before it leaves PATH) pip install builds the library
#     and the example runs; without Go, pip install fails and says Go is missing;
#   - npm tarball: npm install of it into an empty project (koffi comes from
#     the registry), the CommonJS and the ES module examples run, the library
#     loaded is the package's prebuild;
#   - C archive: unpacked anywhere, used through pkg-config, find_package (the
#     shared and the static library) and a hand static link, and the C
#     example runs (tests/packaging/c_consumer.sh);
#   - the arm64 C archive's example and static library under qemu-aarch64,
#     where qemu-user and an arm64 glibc (libc6-arm64-cross) are installed.
# The lab is built with Go before Go leaves PATH. Prints "N passed, N failed".
# Environment: PYTHON (python3), NPM (npm), GO (go, for the lab only),
# TEST_DIST_SKIP (words: sdist-go, sdist, c, aarch64), AUDITWHEEL (auditwheel==6.8.2).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
dist=$(cd "${1:?usage: test_dist.sh DISTDIR [WORKDIR]}" && pwd)
work=${2:-$root/build/test-dist}
PYTHON=${PYTHON:-python3}
NPM=${NPM:-npm}
GO=${GO:-go}
AUDITWHEEL=${AUDITWHEEL:-auditwheel==6.8.2}
version=$(cat "$root/VERSION")
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }
skipping() { case " ${TEST_DIST_SKIP:-} " in *" $1 "*) return 0 ;; esac; return 1; }

# The lab, built while Go is still here; GO=true makes lab.sh use the binary.
mkdir -p "$work/lab"
(cd "$root" && "$GO" build -trimpath -o "$work/lab/lab" ./tests/lab/cmd/lab)
PYTHON=$(command -v "$PYTHON")
# The sdist with Go: pip builds the library from gosrc/ (checked below, once
# Go is gone: the installed package must not need it any more).
if ! skipping sdist-go; then
	"$PYTHON" -m venv "$work/venv-sdist-go"
	"$work/venv-sdist-go/bin/python" -m pip install -q --disable-pip-version-check \
		"$dist/securesocket-$version.tar.gz" >"$work/sdist-go.txt" 2>&1 || true
fi
# Go leaves PATH: every folder that holds a go command is dropped.
nogo=
IFS=:
for d in $PATH; do [ -x "$d/go" ] || nogo="${nogo:+$nogo:}$d"; done
unset IFS
PATH=$nogo
export PATH
if command -v go >/dev/null 2>&1; then echo "test_dist.sh: go still on PATH" >&2; exit 1; fi
unset GOROOT GOPATH GOFLAGS SECURESOCKET_LIBRARY LD_LIBRARY_PATH

GO=true "$root/tests/c/lab.sh" start "$work/lab"
trap '"$root/tests/c/lab.sh" stop "$work/lab"' EXIT INT TERM
SS_LAB_JSON=$work/lab/lab.json
SSL_CERT_FILE=$work/lab/certs/ca.pem
export SS_LAB_JSON SSL_CERT_FILE
port() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ports"][sys.argv[2]])' "$SS_LAB_JSON" "$1"; }
ports="$(port trusted) $(port expired) $(port wrongHost)"

# The example's three lines, whatever the language.
example_ok() { # FILE
	grep -q '^trusted: Connected\.' "$1" &&
		grep -q '^expired: Error #2031.*, expired$' "$1" &&
		grep -q '^wrongHost: Error #2031.*, principalMismatch$' "$1"
}

# ---- Python -------------------------------------------------------------------
whl=$dist/securesocket-$version-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
"$PYTHON" -m venv "$work/venv"
vpy=$work/venv/bin/python
"$vpy" -m pip install -q --disable-pip-version-check "$AUDITWHEEL"
for w in "$whl" "$dist/securesocket-$version-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"; do
	case $w in *aarch64*) skipping aarch64 && continue ;; esac
	arch=x86_64
	case $w in *aarch64*) arch=aarch64 ;; esac
	if [ ! -f "$w" ]; then bad "no $(basename "$w")"; continue; fi
	if "$work/venv/bin/auditwheel" show "$w" >"$work/auditwheel-$arch.txt" 2>&1 &&
		tr -s ' \n' ' ' <"$work/auditwheel-$arch.txt" | grep -q "consistent with the following platform tag: \"manylinux_2_17_$arch\""; then
		ok "auditwheel: $(basename "$w") is manylinux_2_17_$arch (manylinux2014)"
	else
		cat "$work/auditwheel-$arch.txt"
		bad "auditwheel show $(basename "$w")"
	fi
done
"$vpy" -m pip install -q --disable-pip-version-check "$whl"
cd "$work"
# shellcheck disable=SC2086
if "$vpy" "$root/examples/python/securesocket_example.py" localhost $ports >"$work/py-example.txt" 2>&1 &&
	example_ok "$work/py-example.txt"; then
	ok "wheel: the Python example in a fresh venv"
else
	cat "$work/py-example.txt"
	bad "wheel: the Python example"
fi
loaded=$("$vpy" -c 'import securesocket._native as n; print(n.load().path)')
case $loaded in
"$work/venv/"*/securesocket/libsecuresocket.so.0) ok "wheel: loads its own library ($loaded)" ;;
*) bad "wheel: loaded $loaded" ;;
esac

if ! skipping sdist-go; then
	# shellcheck disable=SC2086
	if "$work/venv-sdist-go/bin/python" "$root/examples/python/securesocket_example.py" localhost $ports \
		>"$work/py-sdist-example.txt" 2>&1 && example_ok "$work/py-sdist-example.txt"; then
		ok "sdist: with Go, pip install builds the library; the example runs"
	else
		cat "$work/sdist-go.txt" "$work/py-sdist-example.txt"
		bad "sdist: with Go"
	fi
fi
if ! skipping sdist; then
	"$PYTHON" -m venv "$work/venv-sdist"
	if "$work/venv-sdist/bin/python" -m pip install -q --disable-pip-version-check \
		"$dist/securesocket-$version.tar.gz" >"$work/sdist.txt" 2>&1; then
		bad "sdist: installed without Go"
	elif grep -q "Go .* or newer (\`go\` is not on PATH" "$work/sdist.txt"; then
		ok "sdist: without Go, pip install stops and says Go is missing"
	else
		cat "$work/sdist.txt"
		bad "sdist: no clear message without Go"
	fi
fi

# ---- Node ---------------------------------------------------------------------
proj=$work/npm-project
mkdir -p "$proj"
cd "$proj"
printf '{ "name": "consumer", "version": "1.0.0", "private": true }\n' >package.json
if "$NPM" install --no-audit --no-fund --loglevel=error "$dist/securesocket-$version.tgz" >"$work/npm.txt" 2>&1; then
	ok "npm: npm install of the tarball into an empty project"
else
	cat "$work/npm.txt"
	bad "npm install"
fi
cp "$root/examples/node/securesocket_example.js" "$root/examples/node/securesocket_example.mjs" "$proj/"
for ex in securesocket_example.js securesocket_example.mjs; do
	# shellcheck disable=SC2086
	if node "$ex" localhost $ports >"$work/$ex.txt" 2>&1 && example_ok "$work/$ex.txt"; then
		ok "npm: the example as $( [ "$ex" = securesocket_example.js ] && echo CommonJS || echo 'an ES module')"
	else
		cat "$work/$ex.txt"
		bad "npm: $ex"
	fi
done
if out=$(node --input-type=module -e "
	import { SecureSocket, CertificateStatus } from 'securesocket';
	import { createRequire } from 'node:module';
	const cjs = createRequire(import.meta.url)('securesocket');
	if (SecureSocket !== cjs.SecureSocket) throw new Error('ESM and CommonJS differ');
	console.log(CertificateStatus.TRUSTED, SecureSocket.libraryVersion);" 2>&1) &&
	[ "$out" = "trusted $version" ]; then
	ok "npm: ESM named imports and CommonJS give the same objects"
else
	echo "$out"
	bad "npm: ESM named imports"
fi
if [ -f "$proj/node_modules/securesocket/prebuilds/linux-x64/libsecuresocket.so.0" ] &&
	[ ! -e "$proj/node_modules/securesocket/prebuilds/linux-x64/../../../../build" ]; then
	ok "npm: the prebuild for linux-x64 is in the package (no checkout around it)"
else
	bad "npm: prebuilds/linux-x64 missing"
fi

# ---- C ------------------------------------------------------------------------
if ! skipping c; then
	mkdir -p "$work/c"
	tar -xzf "$dist/securesocket-$version-linux-x64.tar.gz" -C "$work/c"
	if "$root/tests/packaging/c_consumer.sh" "$work/c/securesocket-$version-linux-x64" "$work/c-work" \
		>"$work/c.txt" 2>&1; then
		ok "C archive: pkg-config, find_package (shared, static), static link, the example"
	else
		cat "$work/c.txt"
		bad "C archive"
	fi
fi

# ---- arm64, where qemu-user and an arm64 glibc are installed -------------------------
# The arm64 C archive: the example linked against its shared library and a
# program against its static one, run under qemu-aarch64 against the lab.
a64cc=$root/build/dist/tools/bin/cc-linux-arm64
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 && a64cc=aarch64-linux-gnu-gcc
if skipping aarch64 || [ ! -f "$dist/securesocket-$version-linux-arm64.tar.gz" ]; then
	:
elif ! command -v qemu-aarch64 >/dev/null 2>&1 || [ ! -d /usr/aarch64-linux-gnu/lib ] || ! command -v "$a64cc" >/dev/null 2>&1; then
	echo "skip: arm64 under qemu (needs qemu-user, libc6-arm64-cross and an arm64 C compiler)"
else
	mkdir -p "$work/arm64"
	tar -xzf "$dist/securesocket-$version-linux-arm64.tar.gz" -C "$work/arm64"
	a64=$work/arm64/securesocket-$version-linux-arm64
	# shellcheck disable=SC2086
	if "$a64cc" -std=c99 -I"$a64/include" -o "$work/arm64/example" "$root/examples/c/securesocket_example.c" \
		-L"$a64/lib" -lsecuresocket &&
		"$a64cc" -std=c99 -I"$a64/include" -o "$work/arm64/static" "$root/tests/c/consumer/main.c" \
			"$a64/lib/libsecuresocket.a" -lpthread &&
		QEMU_LD_PREFIX=/usr/aarch64-linux-gnu LD_LIBRARY_PATH="$a64/lib" qemu-aarch64 "$work/arm64/example" \
			localhost $ports >"$work/arm64.txt" 2>&1 &&
		example_ok "$work/arm64.txt" &&
		QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64 "$work/arm64/static" >>"$work/arm64.txt" 2>&1; then
		ok "C archive linux-arm64 under qemu-aarch64: the example (shared) and the static library"
	else
		cat "$work/arm64.txt" 2>/dev/null || true
		bad "C archive linux-arm64 under qemu-aarch64"
	fi
fi

echo "test-dist: $passed passed, $failed failed"
[ "$failed" = 0 ]
