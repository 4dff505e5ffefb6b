#!/bin/sh
# bindings/node/run_tests.sh - the Node binding's tests, for `make test`.
#
#   1. builds the library (make lib) unless build/libsecuresocket.so.0 exists
#      or SECURESOCKET_LIBRARY names one;
#   2. npm ci in bindings/node (koffi, pinned by package-lock.json; npm's
#      cache makes it work offline after the first install);
#   3. node test/run.js: starts the loopback lab, runs `node --test`.
#
# Environment: MAKE (default make), NPM (default npm), NODE (default node),
# GO (passed to make and to the lab build), SECURESOCKET_LIBRARY,
# SECURESOCKET_LAB (a built lab binary). Arguments are test files.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
MAKE=${MAKE:-make}
NPM=${NPM:-npm}
NODE=${NODE:-node}

if [ -z "${SECURESOCKET_LIBRARY:-}" ] && [ ! -f "$root/build/libsecuresocket.so.0" ]; then
	"$MAKE" -C "$root" lib
fi

cd "$here"
# --prefer-offline: use the npm cache when it has the pinned tarballs.
"$NPM" ci --prefer-offline --no-audit --no-fund --loglevel=error
exec "$NODE" test/run.js "$@"
