'use strict';
// The package as an ES module: named imports work at run time (Node's
// CommonJS export detection cannot see index.js's exports, so index.mjs
// lists them), index.mjs names exactly what index.js exports, and the
// `exports` map sends `import` to index.mjs and `require` to index.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const pkg = path.join(__dirname, '..');

function node(args) {
  const r = spawnSync(process.execPath, args, { cwd: pkg, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test("import { SecureSocket, CertificateStatus } from 'securesocket' works at run time", () => {
  const out = node(['--input-type=module', '-e', `
    import { SecureSocket, CertificateStatus } from 'securesocket';
    import ss from 'securesocket';
    import { createRequire } from 'node:module';
    const cjs = createRequire(import.meta.url)('securesocket');
    if (ss !== cjs || SecureSocket !== cjs.SecureSocket) throw new Error('ESM and CommonJS differ');
    console.log(typeof SecureSocket, CertificateStatus.TRUSTED);`]);
  assert.equal(out, 'function trusted');
});

test('index.mjs exports exactly what index.js exports', () => {
  const esm = JSON.parse(node(['--input-type=module', '-e', `
    import * as m from 'securesocket';
    console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()));`]));
  const cjs = Object.keys(require('..')).sort();
  const missing = cjs.filter((k) => !esm.includes(k));
  const extra = esm.filter((k) => !cjs.includes(k));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] },
    'add the names in "missing" to index.mjs (and remove "extra")');
});

test('the exports map: require gets index.js, import gets index.mjs, package.json is reachable', () => {
  assert.equal(require.resolve('securesocket', { paths: [pkg] }), path.join(pkg, 'index.js'));
  const resolved = node(['--input-type=module', '-e', "console.log(import.meta.resolve('securesocket'))"]);
  assert.equal(resolved, 'file://' + path.join(pkg, 'index.mjs'));
  assert.equal(require('securesocket/package.json').name, 'securesocket');
});
