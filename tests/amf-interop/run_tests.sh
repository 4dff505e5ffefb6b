#!/usr/bin/env bash
# Interoperability tests of core/amf against amf3-ts (AMF3) and amf-codec
# (AMF0): installs the pinned npm packages, builds the Go converter, runs
# interop.test.js with node's test runner. Needs go, node >= 20 and npm with
# the npm registry reachable. See README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
npm ci --ignore-scripts --no-audit --no-fund
mkdir -p .bin
(cd "$root" && "${GO:-go}" build -o "$here/.bin/amfjson" ./tests/amf-interop/amfjson)
AMFJSON="$here/.bin/amfjson" node --test interop.test.js
