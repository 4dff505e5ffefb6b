'use strict';
// npx securesocket [probe] host port: the probe through this binding, run
// as a user runs it (a child process), on a few lab scenarios: status, exit
// status, JSON fields.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { lab, port } = require('./helpers');

const BIN = path.join(__dirname, '..', 'bin', 'securesocket.js');
const FIELDS = ['outcome', 'exitCode', 'status', 'detail', 'tlsVersion', 'cipherSuite', 'remoteAddress',
  'remotePort', 'revocation', 'chain'].sort();
const CERT_FIELDS = ['subject', 'issuer', 'serialNumber', 'notBefore', 'notAfter', 'dnsNames', 'ipAddresses',
  'isCA', 'pinSha256'].sort();

function probe(scenario, ...args) {
  const p = spawnSync(process.execPath, [BIN, ...args, lab.host, String(port(scenario))],
    { encoding: 'utf8', timeout: 60000 });
  return { code: p.status, out: p.stdout, err: p.stderr };
}

for (const [scenario, outcome, code, status, detail] of [
  ['trusted', 'connected', 0, 'trusted', ''],
  ['expired', 'refused', 1, 'expired', 'certificate expired at '],
  ['wrongHost', 'refused', 1, 'principalMismatch', 'localhost'],
  ['revokedStaple', 'refused', 1, 'revoked', 'revoked'],
  ['refused', 'failed', 3, 'unknown', 'connection refused by 127.0.0.1:'],
]) {
  test(`probe ${scenario}`, () => {
    const { code: rc, out, err } = probe(scenario, 'probe', '--json', '--timeout', '2000');
    const r = JSON.parse(out);
    assert.deepEqual(Object.keys(r).sort(), FIELDS);
    assert.deepEqual([rc, r.exitCode, r.outcome, r.status], [code, code, outcome, status], err);
    assert.ok(r.detail.includes(detail) && (detail === '') === (r.detail === ''), r.detail);
    assert.deepEqual(Object.keys(r.revocation).sort(), ['detail', 'mode', 'status']);
    if (outcome === 'connected') {
      assert.equal(r.tlsVersion, 'TLSv1.3');
      assert.match(r.cipherSuite, /^TLS_/);
      assert.equal(r.chain.length, 3);
      for (const c of r.chain) assert.deepEqual(Object.keys(c).sort(), CERT_FIELDS);
      assert.deepEqual(r.chain[0].ipAddresses, ['127.0.0.1', '::1']);
    } else {
      assert.deepEqual(r.chain, []);
    }
  });
}

test('probe text, --pin and --ca', () => {
  let r = probe('trusted');
  assert.equal(r.code, 0);
  assert.ok(r.out.includes('outcome:     connected\nstatus:      trusted\n'), r.out);
  const pin = r.out.split('pin-sha256: ')[1].split('\n')[0];
  assert.equal(probe('trusted', '--pin', `sha256/${pin}`).code, 0);
  r = probe('trusted', '--json', '--pin', `${'A'.repeat(43)}=`);
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.out).status, 'untrustedSigners');
  assert.equal(probe('selfSigned', '--ca', lab.files.self_signed_der).code, 0);
});

test('probe usage errors exit 2', () => {
  for (const args of [['--revocation', 'sometimes'], ['--pin', 'short'], ['--ca', '/nonexistent'], ['--bogus']]) {
    const r = probe('trusted', ...args);
    assert.equal(r.code, 2, `${args}: ${r.err}`);
    assert.equal(r.out, '');
    assert.match(r.err, /usage:/);
  }
});
