#!/usr/bin/env node
'use strict';
// Global setup for the tests: starts the loopback TLS lab once, then runs
// `node --test` on the test files with SS_LAB_JSON and SSL_CERT_FILE in the
// environment. The test processes are spawned with them (the library also
// honours SSL_CERT_FILE set in process.env before the first connect; the
// tests keep the start-up environment, the case every platform supports).
//
//   node test/run.js [test files...]      (default: every test/*.test.js)
//
// If SS_LAB_JSON and SSL_CERT_FILE are already set (tests/c/lab.sh run ...),
// that lab is used.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startLab } = require('./lab');

function files() {
  const args = process.argv.slice(2);
  if (args.length > 0) return args;
  return fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(__dirname, f));
}

async function main() {
  let lab = null;
  const env = { ...process.env };
  if (!(env.SS_LAB_JSON && env.SSL_CERT_FILE)) {
    lab = await startLab();
    env.SS_LAB_JSON = lab.json;
    env.SSL_CERT_FILE = lab.caFile;
  }
  const child = spawn(process.execPath, ['--test', '--test-timeout=120000', ...files()], { stdio: 'inherit', env });
  const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(sig ? 1 : c)));
  if (lab !== null) await lab.stop();
  process.exitCode = code;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
