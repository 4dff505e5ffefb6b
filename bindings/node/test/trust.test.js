'use strict';
// Trust across the binding, table-driven like core/trust_test.go: revocation
// (staple, CRL, OCSP, a hanging responder), extra anchors, public key pins and
// client certificates against the lab's scenarios. The verdicts are the
// library's; these tests check that they reach JS whole (events, statuses,
// details).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { ss, lab, port, firstEvent, nextEvent } = require('./helpers');

const { SecureSocket, CertificateStatus: S, RevocationMode: M, RevocationStatus: R } = ss;

const file = (key) => {
  assert.ok(lab.files[key], `no lab file ${key}`);
  return fs.readFileSync(lab.files[key]);
};

function sock(t, setup = () => {}) {
  const s = new SecureSocket();
  t.after(() => s.destroy());
  setup(s);
  return s;
}

/** Connects s to scenario; the first "connect" or "ioError" event. */
function outcome(s, scenario, ms = 15000) {
  const ev = firstEvent(s, ['connect', 'ioError'], ms);
  s.connect(lab.host, port(scenario));
  return ev;
}

const REVOCATION = [
  // scenario, mode, event, serverCertificateStatus, revocationStatus
  ['revokedStaple', M.SOFT_FAIL, 'ioError', S.REVOKED, R.REVOKED],
  ['revokedCRL', M.SOFT_FAIL, 'ioError', S.REVOKED, R.REVOKED],
  ['revokedOCSP', M.SOFT_FAIL, 'ioError', S.REVOKED, R.REVOKED],
  ['revokedOCSP', M.HARD_FAIL, 'ioError', S.REVOKED, R.REVOKED],
  ['goodStaple', M.SOFT_FAIL, 'connect', S.TRUSTED, R.GOOD],
  ['goodCRL', M.SOFT_FAIL, 'connect', S.TRUSTED, R.GOOD],
  ['goodOCSP', M.SOFT_FAIL, 'connect', S.TRUSTED, R.GOOD],
  ['goodOCSP', M.HARD_FAIL, 'connect', S.TRUSTED, R.GOOD],
  ['revokedCRL', M.OFF, 'connect', S.TRUSTED, R.NOT_CHECKED],
  // OCSP must-staple (RFC 7633): refused without a valid staple in every
  // mode but off, although the responder says good.
  ['mustStapleGood', M.SOFT_FAIL, 'connect', S.TRUSTED, R.GOOD],
  ['mustStapleGood', M.STAPLE_ONLY, 'connect', S.TRUSTED, R.GOOD],
  ['mustStapleMissing', M.SOFT_FAIL, 'ioError', S.INVALID, R.UNKNOWN],
  ['mustStapleMissing', M.HARD_FAIL, 'ioError', S.INVALID, R.UNKNOWN],
  ['mustStapleMissing', M.OFF, 'connect', S.TRUSTED, R.NOT_CHECKED],
];

for (const [scenario, mode, event, status, revocation] of REVOCATION) {
  test(`revocation: ${scenario} in ${mode} -> ${event}, ${status}, ${revocation}`, async (t) => {
    const s = sock(t, (x) => { x.revocationMode = mode; });
    const e = await outcome(s, scenario);
    const why = `${e.type} (${e.detail}) / ${s.revocationDetail}`;
    assert.equal(e.type, event, why);
    assert.equal(s.serverCertificateStatus, status, why);
    assert.equal(s.revocationStatus, revocation, why);
    if (revocation === R.REVOKED) {
      assert.equal(e.errorID, 2031);
      assert.match(e.detail, /revoked/);
      assert.notEqual(s.revocationDetail, '');
    }
    if (scenario === 'mustStapleMissing' && event === 'ioError') {
      assert.equal(e.errorID, 2031);
      assert.match(e.detail, /requires a stapled OCSP response \(OCSP must-staple, RFC 7633\), but the server stapled none/);
    }
  });
}

for (const [mode, event] of [[M.SOFT_FAIL, 'connect'], [M.HARD_FAIL, 'ioError']]) {
  test(`a responder that never answers, timeout 1500: ${mode} -> ${event}, "unknown", within 2.5 s`, async (t) => {
    const s = sock(t, (x) => {
      x.revocationMode = mode;
      x.timeout = 1500;
    });
    const start = Date.now();
    const e = await outcome(s, 'hangingResponder', 10000);
    const took = Date.now() - start;
    assert.ok(took <= 2500, `took ${took} ms with a 1500 ms timeout`);
    assert.equal(e.type, event, e.detail);
    assert.equal(s.revocationStatus, R.UNKNOWN);
  });
}

const ANCHORS = [
  // name, scenario, file, trusted, event, status
  ['an extra anchor makes the other root trusted', 'untrustedRoot', 'untrusted_root_der', true, 'connect', S.TRUSTED],
  ['the same root as an intermediate grants nothing', 'untrustedRoot', 'untrusted_root_der', false, 'ioError',
    S.UNTRUSTED_SIGNERS],
  ['without it the root is untrusted', 'untrustedRoot', null, false, 'ioError', S.UNTRUSTED_SIGNERS],
];

for (const [name, scenario, key, trusted, event, status] of ANCHORS) {
  test(`anchors: ${name}`, async (t) => {
    const s = sock(t, (x) => {
      x.revocationMode = M.OFF;
      if (key !== null) x.addBinaryChainBuildingCertificate(file(key), trusted);
    });
    const e = await outcome(s, scenario);
    assert.equal(e.type, event, e.detail);
    assert.equal(s.serverCertificateStatus, status, e.detail);
  });
}

const PINS = [
  // name, pins, event, status, detail
  ['the root\'s key pinned', () => [Buffer.alloc(32, 7), SecureSocket.publicKeyPin(file('root_der'))], 'connect',
    S.TRUSTED, null],
  ['no key of the chain pinned', () => [Buffer.alloc(32, 7)], 'ioError', S.UNTRUSTED_SIGNERS, /pin mismatch/],
  ['another root\'s key pinned', () => [SecureSocket.publicKeyPin(file('untrusted_root_der'))], 'ioError',
    S.UNTRUSTED_SIGNERS, /pin mismatch/],
];

for (const [name, pins, event, status, detail] of PINS) {
  test(`pins: ${name}`, async (t) => {
    const s = sock(t, (x) => {
      x.revocationMode = M.OFF;
      for (const p of pins()) x.addPublicKeyPin(p);
    });
    const e = await outcome(s, 'trusted');
    assert.equal(e.type, event, e.detail);
    assert.equal(s.serverCertificateStatus, status, e.detail);
    if (detail !== null) assert.match(e.detail, detail);
  });
}

const CLIENT_KEYS = [
  // name, cert file, key file, password
  ['PEM', 'client_cert_pem', 'client_key_pem', undefined],
  ['encrypted PKCS#8', 'client_cert_pem', 'client_key_encrypted_pem', 'lab-secret'],
];

for (const [name, certKey, keyKey, password] of CLIENT_KEYS) {
  for (const scenario of ['clientCert', 'clientCertTLS12']) {
    test(`client certificate accepted: ${name} on ${scenario}`, async (t) => {
      const s = sock(t, (x) => {
        x.revocationMode = M.OFF;
        x.setClientCertificate(file(certKey), file(keyKey), password);
      });
      const e = await outcome(s, scenario);
      assert.equal(e.type, 'connect', e.detail);
      // The server has accepted the certificate once data flows (TLS 1.3
      // checks it after the client's handshake ends).
      s.writeUTF('ping');
      s.flush();
      const next = await firstEvent(s, ['socketData', 'ioError']);
      assert.equal(next.type, 'socketData', next.detail);
    });
  }
}

const CLIENT_REFUSED = [
  // name, scenario, with the wrong CA's certificate, detail
  ['missing, TLS 1.2', 'clientCertTLS12', false, /handshake failure/],
  ['missing, TLS 1.3', 'clientCert', false, /certificate required/],
  ['from a CA the server does not know, TLS 1.2', 'clientCertTLS12', true, /unknown certificate authority/],
  ['from a CA the server does not know, TLS 1.3', 'clientCert', true, /unknown certificate authority/],
];

for (const [name, scenario, wrong, detail] of CLIENT_REFUSED) {
  test(`client certificate refused: ${name}`, async (t) => {
    const s = sock(t, (x) => {
      x.revocationMode = M.OFF;
      if (wrong) x.setClientCertificate(file('wrong_client_cert_pem'), file('wrong_client_key_pem'));
    });
    // Listening from the start: the TLS 1.3 ioError may come in the same
    // turn as the connect.
    const ioError = nextEvent(s, 'ioError');
    let e = await outcome(s, scenario);
    if (scenario === 'clientCert') {
      // TLS 1.3: the client's handshake ends before the server judges its
      // certificate, so connect comes first and the server's alert after.
      assert.equal(e.type, 'connect', e.detail);
      e = await ioError;
    } else {
      assert.equal(await ioError, e);
    }
    assert.equal(e.type, 'ioError');
    assert.equal(e.errorID, 2031);
    assert.equal(s.serverCertificateStatus, S.TRUSTED);
    assert.match(e.detail, detail);
  });
}
