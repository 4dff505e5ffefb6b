#!/bin/sh
# bindings/python/run_tests.sh [pytest arguments...]
#
# Runs the Python binding's test suite against the loopback lab; `make test`
# calls it. Builds the library first (make lib: Go's cache makes a rebuild
# take seconds), installs pytest for this user if it is missing, then runs
# pytest from bindings/python (pyproject.toml puts the package on the path;
# tests/conftest.py builds and starts the lab and restarts pytest once so
# that SSL_CERT_FILE is in its environment from the start).
#
# Environment: PYTHON (default python3), GO, MAKE; SECURESOCKET_NO_BUILD=1
# to skip make lib (a make target that depends on lib); SS_LAB_JSON with
# SSL_CERT_FILE to use a lab that is already running (tests/c/lab.sh run).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-python3}
MAKE=${MAKE:-make}

if [ -z "${SECURESOCKET_NO_BUILD:-}" ]; then
	"$MAKE" -C "$root" lib >/dev/null
fi
"$PYTHON" -m pytest --version >/dev/null 2>&1 || "$PYTHON" -m pip install --user pytest
cd "$here"
exec "$PYTHON" -m pytest "$@"
