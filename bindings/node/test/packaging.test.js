'use strict';
// Packaging facts the Node loader owns: the ABI check (docs/versioning.md)
// and where the library is looked for.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { abiCompatible, HEADER_VERSION_NUMBER } = require('../lib/native');

const root = path.resolve(__dirname, '..', '..', '..');

test('abiCompatible: same major, same minor while the major is 0, a newer minor from 1.0 on', () => {
  const cases = [
    [1000, 1000, true], [1005, 1000, true], [1000, 1007, true],
    [2000, 1000, false], [0, 1000, false], [1000000, 1000, false],
    [1002000, 1001000, true], [1000000, 1001000, false], [2001000, 1001000, false],
  ];
  for (const [have, want, ok] of cases) assert.equal(abiCompatible(have, want), ok, `${have} for ${want}`);
});

function fakeLibrary(dir, number, text) {
  const out = path.join(dir, `libfake-${number}.so`);
  execFileSync(process.env.CC || 'cc', ['-shared', '-fPIC', `-DFAKE_NUMBER=${number}`, `-DFAKE_TEXT="${text}"`,
    '-o', out, path.join(root, 'tests', 'packaging', 'fakeversion.c')]);
  return out;
}

for (const [number, text] of [[2000, '0.2.0'], [1000000, '1.0.0']]) {
  test(`the loader refuses libsecuresocket ${text}, naming both versions`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-fake-'));
    try {
      const fake = fakeLibrary(dir, number, text);
      const r = spawnSync(process.execPath, ['-e', "new (require('.').SecureSocket)()"], {
        cwd: path.join(__dirname, '..'), env: { ...process.env, SECURESOCKET_LIBRARY: fake }, encoding: 'utf8',
      });
      assert.notEqual(r.status, 0);
      const want = HEADER_VERSION_NUMBER;
      assert.match(r.stderr, /ERR_SS_LIBRARY/);
      assert.ok(r.stderr.includes(`${fake} is libsecuresocket ${text}`), r.stderr);
      assert.ok(r.stderr.includes(`needs libsecuresocket ${Math.floor(want / 1e6)}.${Math.floor(want / 1000) % 1000}.x`),
        r.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
