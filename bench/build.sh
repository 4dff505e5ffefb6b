#!/bin/sh
# Builds what `make bench` needs for the languages in LANGS (comma
# separated: c,go,python,node) into $BUILD/bench: the server always, and
# each language's client. libsecuresocket itself comes from `make lib`.
# Installs libssl-dev with apt-get when the C client needs it and it is
# missing, and the Node binding's packages from its lockfile.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GO=${GO:-go}
CC=${CC:-cc}
LANGS=${LANGS:-c,go,python,node}
out="$BUILD/bench"
mkdir -p "$out"

"$GO" build -trimpath -o "$out/bench_server" ./bench/server
for lang in $(echo "$LANGS" | tr ',' ' '); do
  case "$lang" in
  go)
    "$GO" build -trimpath -o "$out/bench_go" ./bench/go
    "$GO" build -trimpath -o "$out/bench_bound" ./bench/bound # not in the table: docs/benchmarks.md
    ;;
  c)
    if ! printf '#include <openssl/ssl.h>\n' | "$CC" -E -x c - >/dev/null 2>&1; then
      echo "bench: installing libssl-dev (OpenSSL headers for the C client)"
      sudo=""
      [ "$(id -u)" = 0 ] || sudo="sudo"
      $sudo apt-get install -y --no-install-recommends libssl-dev >/dev/null ||
        { $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends libssl-dev >/dev/null; }
    fi
    "$CC" -std=c11 -O2 -Wall -Wextra -Iinclude -o "$out/bench_c" bench/c/bench.c \
      -L"$BUILD" -lsecuresocket -lssl -lcrypto -ldl -Wl,-rpath,"$(cd "$BUILD" && pwd)"
    ;;
  python) ;;
  node)
    [ -d bindings/node/node_modules/koffi ] ||
      (cd bindings/node && npm ci --prefer-offline --no-audit --no-fund >/dev/null)
    ;;
  *) echo "bench: unknown language '$lang' (c, go, python, node)" >&2; exit 2 ;;
  esac
done
