#!/bin/sh
# scripts/dist.sh [OUTDIR]        (make dist; OUTDIR defaults to dist)
#
# The release artifacts, from a clean checkout, into OUTDIR:
#   securesocket-V-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
#   securesocket-V-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl
#   securesocket-V-py3-none-win_amd64.whl       (when the Windows library builds)
#   securesocket-V.tar.gz                       the Python sdist (builds with Go)
#   securesocket-V.tgz                          the npm package, prebuilds/<platform>-<arch>/ inside
#   securesocket-V-linux-x64.tar.gz, -linux-arm64.tar.gz, -win32-x64.zip   C archives
#   SHA256SUMS
# V is VERSION. Each library is built once, in build/dist/lib/<target>/, for
# the targets in DIST_TARGETS (default: linux-x64 linux-arm64 win32-x64).
#
# The libraries: `capi/build.sh OUTDIR --target T` where capi/build.sh has
# --target; otherwise this script builds them itself with zig cc from PyPI's
# ziglang as the C compiler (Linux: -target <arch>-linux-gnu.2.17, so the
# library needs nothing newer than glibc 2.17, manylinux2014; Windows:
# x86_64-windows-gnu). A target that fails to build is reported and left out,
# unless DIST_REQUIRE lists it. The static libraries come from
# go build -buildmode=c-archive with the same compiler.
#
# Reproducible: -trimpath, -buildid= (the GNU build id is a hash of the
# content), SOURCE_DATE_EPOCH (default: the last commit's
# time) for every archive's dates, sorted members, no owners
# (scripts/dist_archive.py), npm pack's fixed dates; the tools are pinned
# (build/dist/tools: ziglang, setuptools, build from PyPI).
#
# Environment: GO, PYTHON (python3), NPM (npm), DIST_TARGETS, DIST_REQUIRE.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$root/build/dist
GO=${GO:-go}
PYTHON=${PYTHON:-python3}
NPM=${NPM:-npm}
DIST_TARGETS=${DIST_TARGETS:-linux-x64 linux-arm64 win32-x64}
DIST_REQUIRE=${DIST_REQUIRE:-linux-x64}
version=$(cat VERSION)
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 315532800)
fi
export SOURCE_DATE_EPOCH
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

log() { echo "dist: $*" >&2; }

# ---- tools ---------------------------------------------------------------------
tools=$work/tools
ZIGLANG=ziglang==0.17.0
SETUPTOOLS=setuptools==84.2.1
BUILD=build==1.6.1
if [ ! -f "$tools/.ok-$ZIGLANG-$SETUPTOOLS-$BUILD" ]; then
	rm -rf "$tools"
	"$PYTHON" -m venv "$tools/venv"
	"$tools/venv/bin/python" -m pip install -q --disable-pip-version-check "$ZIGLANG" "$SETUPTOOLS" "$BUILD"
	touch "$tools/.ok-$ZIGLANG-$SETUPTOOLS-$BUILD"
fi
py=$tools/venv/bin/python
mkdir -p "$tools/bin"
zigtarget() {
	case $1 in
	linux-x64) echo x86_64-linux-gnu.2.17 ;;
	linux-arm64) echo aarch64-linux-gnu.2.17 ;;
	win32-x64) echo x86_64-windows-gnu ;;
	*) log "unknown target $1"; exit 2 ;;
	esac
}
# One-word compilers (cgo and capi/build.sh take CC as one command), and zig
# itself on PATH for a capi/build.sh --target that looks for it.
printf '#!/bin/sh\nexec "%s" -m ziglang "$@"\n' "$py" >"$tools/bin/zig"
for t in linux-x64 linux-arm64 win32-x64; do
	printf '#!/bin/sh\nexec "%s" -m ziglang cc -target %s "$@"\n' "$py" "$(zigtarget $t)" >"$tools/bin/cc-$t"
	printf '#!/bin/sh\nexec "%s" -m ziglang c++ -target %s "$@"\n' "$py" "$(zigtarget $t)" >"$tools/bin/c++-$t"
done
chmod +x "$tools/bin"/*
PATH=$tools/bin:$PATH
export PATH

# ---- libraries -------------------------------------------------------------------
libfile() { case $1 in win32-*) echo securesocket.dll ;; *) echo libsecuresocket.so.0 ;; esac; }
goenv() { # GOOS GOARCH of a target
	case $1 in
	linux-x64) echo "linux amd64" ;;
	linux-arm64) echo "linux arm64" ;;
	win32-x64) echo "windows amd64" ;;
	esac
}

build_target() {
	t=$1
	d=$work/lib/$t
	rm -rf "$d"
	mkdir -p "$d"
	set -- $(goenv "$t")
	goos=$1
	goarch=$2
	if grep -q -- '--target' capi/build.sh; then
		case $t in
		win32-*) tests/cross/ensure.sh mingw ;;
		esac
		# zig from build/dist/tools (pinned), not whatever python3 has.
		ZIG="$tools/bin/zig" GO=$GO capi/build.sh "$d" --target "$t"
	else
		# capi/build.sh without --target: the same flags, zig cc for the target.
		case $t in
		linux-*)
			# -buildid= and a content hash as the GNU build id: Go's own
			# build id hashes the compiler's path, which differs per checkout.
			extld="-Wl,-soname,libsecuresocket.so.0 -Wl,--version-script=$root/capi/exports.map -Wl,--wrap=pthread_getattr_np -Wl,--build-id=sha1"
			CGO_ENABLED=1 GOOS=$goos GOARCH=$goarch CC=cc-$t "$GO" build -buildmode=c-shared -trimpath \
				-ldflags "-w -buildid= -extldflags '$extld'" -o "$d/libsecuresocket.so.0" ./capi
			;;
		win32-*)
			CGO_ENABLED=1 GOOS=$goos GOARCH=$goarch CC=cc-$t "$GO" build -buildmode=c-shared -trimpath \
				-ldflags "-w -buildid=" -o "$d/securesocket.dll" ./capi
			;;
		esac
	fi
	[ -f "$d/$(libfile "$t")" ] || { log "$t: no $(libfile "$t") in $d"; return 1; }
	rm -f "$d"/*.h
	case $t in
	linux-*)
		# The static library (the C archives and make install carry it).
		CGO_ENABLED=1 GOOS=$goos GOARCH=$goarch CC=cc-$t "$GO" build -buildmode=c-archive -trimpath -ldflags "-w -buildid=" \
			-o "$d/libsecuresocket.a" ./capi
		rm -f "$d"/*.h
		# manylinux2014 promises nothing newer than glibc 2.17.
		newest=$(readelf -V -W "$d/libsecuresocket.so.0" | sed -n 's/.*Name: GLIBC_\([0-9.]*\).*/\1/p' | sort -t. -k1,1n -k2,2n | tail -1)
		case $newest in
		2.1[0-7] | 2.[0-9]) ;;
		*) log "$t: the library needs GLIBC_$newest, newer than manylinux2014's 2.17"; return 1 ;;
		esac
		;;
	win32-*)
		# The static library for MinGW-w64 (link with -lws2_32); build.sh
		# left the import library and the .def file next to the DLL.
		CGO_ENABLED=1 GOOS=$goos GOARCH=$goarch CC=x86_64-w64-mingw32-gcc "$GO" build -buildmode=c-archive -trimpath -ldflags "-w -buildid=" \
			-o "$d/libsecuresocket.a" ./capi
		rm -f "$d"/*.h
		;;
	esac
}

built=
for t in $DIST_TARGETS; do
	log "building the library for $t"
	if build_target "$t" >"$work/build-$t.log" 2>&1; then
		built="$built $t"
	else
		case " $DIST_REQUIRE " in
		*" $t "*) cat "$work/build-$t.log" >&2; log "$t failed (required)"; exit 1 ;;
		esac
		log "$t did not build; left out (build/dist/build-$t.log):"
		tail -5 "$work/build-$t.log" | sed 's/^/    /' >&2
	fi
done

# Old artifacts of this version go: OUTDIR holds this run's only.
rm -f "$out"/securesocket-"$version"* "$out/SHA256SUMS"

# ---- Python: a wheel per target, the sdist ------------------------------------------
wheelplat() {
	case $1 in
	linux-x64) echo manylinux_2_17_x86_64.manylinux2014_x86_64 ;;
	linux-arm64) echo manylinux_2_17_aarch64.manylinux2014_aarch64 ;;
	win32-x64) echo win_amd64 ;;
	esac
}
pysrc=bindings/python
for f in "$pysrc"/securesocket/libsecuresocket.so.0 "$pysrc"/securesocket/securesocket.dll; do
	[ ! -e "$f" ] || { log "$f is in the tree: remove it"; exit 1; }
done
for t in $built; do
	stage=$work/py/$t
	rm -rf "$stage"
	mkdir -p "$stage"
	for f in pyproject.toml setup.py MANIFEST.in README.md; do cp "$pysrc/$f" "$stage/"; done
	cp -L "$pysrc/LICENSE" "$stage/LICENSE"
	mkdir -p "$stage/securesocket"
	for f in $(cd "$pysrc" && git ls-files securesocket); do cp "$pysrc/$f" "$stage/$f"; done
	cp "$work/lib/$t/$(libfile "$t")" "$stage/securesocket/"
	log "wheel for $t"
	(cd "$stage" && SECURESOCKET_NO_BUILD=1 SECURESOCKET_WHEEL_PLATFORM=$(wheelplat "$t") \
		"$py" -m pip wheel -q --no-deps --no-build-isolation --disable-pip-version-check -w "$out" .)
done
log "sdist"
rm -rf "$work/sdist"
(cd "$pysrc" && "$py" -m build -q --sdist --no-isolation -o "$work/sdist" .) >"$work/sdist.log" 2>&1 ||
	{ cat "$work/sdist.log" >&2; exit 1; }
rm -rf "$pysrc/securesocket.egg-info"
"$py" scripts/dist_archive.py retar "$work/sdist/securesocket-$version.tar.gz" "$out/securesocket-$version.tar.gz"

# ---- Node: one tarball, a prebuild per target ------------------------------------------
log "npm package"
stage=$work/npm/package
rm -rf "$work/npm"
mkdir -p "$stage"
for f in $(cd bindings/node && git ls-files index.js index.mjs index.d.ts package.json README.md lib); do
	mkdir -p "$stage/$(dirname "$f")"
	cp "bindings/node/$f" "$stage/$f"
done
cp -L bindings/node/LICENSE "$stage/LICENSE"
for t in $built; do
	mkdir -p "$stage/prebuilds/$t"
	cp "$work/lib/$t/$(libfile "$t")" "$stage/prebuilds/$t/"
done
(cd "$stage" && "$NPM" pack --silent --pack-destination "$out" >/dev/null)

# ---- C: an archive per target ------------------------------------------------------------
for t in $built; do
	name=securesocket-$version-$t
	stage=$work/c/$name
	rm -rf "$work/c"
	mkdir -p "$stage"
	cp LICENSE "$stage/"
	case $t in
	linux-*)
		scripts/c-tree.sh install "$work/lib/$t" "$stage" >/dev/null
		cat >"$stage/README.md" <<-EOT
		# securesocket $version, C library for $t

		include/securesocket.h      the API, documented function by function
		lib/libsecuresocket.so.$version   the library (SONAME libsecuresocket.so.0; glibc 2.17 or newer)
		lib/libsecuresocket.so.0, lib/libsecuresocket.so   its SONAME and development links
		lib/libsecuresocket.a       the static library (link with -lpthread)
		lib/pkgconfig/securesocket.pc, lib/cmake/SecureSocket/   pkg-config and find_package(SecureSocket)

		Unpack anywhere (the pkg-config and CMake files find the rest relative to themselves), or copy
		include/ and lib/ into a prefix such as /usr/local and run ldconfig. Then
		  cc app.c \$(pkg-config --cflags --libs securesocket)     (PKG_CONFIG_PATH=<dir>/lib/pkgconfig)
		  find_package(SecureSocket $(echo "$version" | cut -d. -f1-2) REQUIRED)  # SecureSocket::securesocket, ::securesocket_static
		Source, documentation and license: https://github.com/securesocket/securesocket
		EOT
		"$py" scripts/dist_archive.py tar "$stage" "$out/$name.tar.gz"
		;;
	win32-*)
		mkdir -p "$stage/include" "$stage/bin"
		cp include/securesocket.h "$stage/include/"
		cp "$work/lib/$t/securesocket.dll" "$stage/bin/"
		mkdir -p "$stage/lib"
		for f in libsecuresocket.a libsecuresocket.dll.a securesocket.def; do
			if [ -f "$work/lib/$t/$f" ]; then cp "$work/lib/$t/$f" "$stage/lib/"; fi
		done
		cat >"$stage/README.md" <<-EOT
		# securesocket $version, C library for $t

		include/securesocket.h   the API
		bin/securesocket.dll     the library (MinGW-w64 links it directly: -Lbin -lsecuresocket)
		lib/libsecuresocket.dll.a  its import library (MinGW-w64); lib/securesocket.def for MSVC's lib /def
		lib/libsecuresocket.a    the static library (MinGW-w64: lib/libsecuresocket.a -lws2_32)
		Source, documentation and license: https://github.com/securesocket/securesocket
		EOT
		"$py" scripts/dist_archive.py zip "$stage" "$out/$name.zip"
		;;
	esac
done

(cd "$out" && sha256sum securesocket-"$version"* >SHA256SUMS)
log "built for:$built"
(cd "$out" && ls -l securesocket-"$version"* SHA256SUMS | awk '{ printf "  %10d  %s\n", $5, $NF }') >&2
