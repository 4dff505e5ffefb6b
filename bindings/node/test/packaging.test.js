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

// The package alone, outside the checkout (no prebuild, no build/), with the
// checkout's koffi.
function packageCopy(dir) {
  const pkg = path.join(dir, 'securesocket');
  fs.mkdirSync(pkg);
  const here = path.join(__dirname, '..');
  for (const f of ['index.js', 'package.json', 'lib']) fs.cpSync(path.join(here, f), path.join(pkg, f), { recursive: true });
  fs.symlinkSync(path.join(here, 'node_modules'), path.join(pkg, 'node_modules'));
  return pkg;
}

const probe = "const ss = require('.'); const n = require('./lib/native'); " +
  'console.log(String(ss.SecureSocket.libraryVersion)); new ss.SecureSocket(); console.log(n.load().file)';

test('an installed library is found by its SONAME when none is bundled', (t) => {
  const built = path.join(root, 'build');
  if (!fs.existsSync(path.join(built, 'libsecuresocket.so.0'))) return t.skip('no build/libsecuresocket.so.0');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-soname-'));
  try {
    const prefix = path.join(dir, 'prefix');
    execFileSync(path.join(root, 'scripts', 'c-tree.sh'), ['install', built, prefix], { stdio: 'ignore' });
    const pkg = packageCopy(dir);
    const env = { ...process.env, LD_LIBRARY_PATH: path.join(prefix, 'lib') };
    delete env.SECURESOCKET_LIBRARY;
    const r = spawnSync(process.execPath, ['-e', probe], { cwd: pkg, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const version = fs.readFileSync(path.join(root, 'VERSION'), 'utf8').trim();
    assert.deepEqual(r.stdout.trim().split('\n'), [version, 'libsecuresocket.so.0']);

    delete env.LD_LIBRARY_PATH;
    const none = spawnSync(process.execPath, ['-e', probe], { cwd: pkg, env, encoding: 'utf8' });
    if (none.status === 0) return t.skip('a libsecuresocket.so.0 is installed system-wide');
    assert.match(none.stderr, /ERR_SS_LIBRARY/);
    for (const where of ['prebuild: ', 'build: ', 'system: libsecuresocket.so.0']) {
      assert.ok(none.stderr.includes(where), none.stderr);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
