'use strict';
// The certificate matrix: every lab scenario gives the right event and
// serverCertificateStatus, through events and through connectAsync; the
// trust extensions (anchors, pins, client certificates) on top.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { ss, lab, port, firstEvent, sock, connectTo } = require('./helpers');

const { SecureSocket, CertificateStatus: S, TLSVersion } = ss;

// scenario, connects, status, a word the detail must contain: the outcomes
// the lab publishes ("expect" in its JSON), the one matrix every suite reads.
const MATRIX = Object.entries(lab.expect).map(([scenario, { status, detail }]) =>
  [scenario, status === S.TRUSTED, status, detail ? new RegExp(detail.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : undefined]);
assert.ok(MATRIX.length >= 10, 'the lab publishes the expected outcomes');

test('certificate matrix through events', async (t) => {
  await Promise.all(MATRIX.map(async ([scenario, connects, status, detailHas]) => {
    const s = sock(t);
    if (scenario === 'silent') s.timeout = 1000;
    const seen = [];
    for (const type of ['connect', 'ioError', 'securityError', 'close']) s.on(type, (e) => seen.push(e));
    s.connect(lab.host, port(scenario));
    assert.equal(seen.length, 0, `${scenario}: no event synchronously`);
    const ev = await firstEvent(s, ['connect', 'ioError', 'securityError'], 20000);
    assert.equal(s.serverCertificateStatus, status, `${scenario}: status (detail: ${ev.detail})`);
    if (connects) {
      assert.equal(ev.type, 'connect', scenario);
      assert.ok(ev instanceof ss.Event);
      assert.equal(s.connected, true);
      assert.equal(s.failureDetail, '');
    } else {
      assert.equal(ev.type, 'ioError', `${scenario}: ${ev.type}`);
      assert.ok(ev instanceof ss.IOErrorEvent);
      assert.equal(ev.target, s);
      assert.equal(ev.errorID, 2031);
      assert.equal(ev.text, `Error #2031: Socket Error. URL: ${lab.host}`);
      assert.notEqual(ev.detail, '');
      assert.equal(ev.detail, s.failureDetail);
      if (detailHas) assert.match(ev.detail, detailHas, scenario);
      assert.equal(s.connected, false);
    }
    // Exactly one event per attempt.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, 1, `${scenario}: ${seen.map((e) => e.type)}`);
  }));
});

test('certificate matrix through connectAsync', async (t) => {
  await Promise.all(MATRIX.filter(([name]) => name !== 'silent').map(async ([scenario, connects, status, detailHas]) => {
    const s = sock(t);
    const p = s.connectAsync(lab.host, port(scenario));
    if (connects) {
      assert.equal(await p, s);
      assert.equal(s.serverCertificateStatus, status);
      return;
    }
    await assert.rejects(p, (err) => {
      assert.ok(err instanceof ss.IOError, String(err));
      assert.equal(err.code, 'ERR_SS_SOCKET');
      assert.equal(err.errorID, 2031);
      assert.equal(err.status, status, `${scenario}: ${err.detail}`);
      assert.ok(err.message.startsWith(`Error #2031: Socket Error. URL: ${lab.host} (`));
      if (detailHas) assert.match(err.detail, detailHas);
      assert.ok(err.event instanceof ss.IOErrorEvent);
      return true;
    });
  }));
});

test('a timeout on a server that never speaks TLS', async (t) => {
  const s = sock(t);
  s.timeout = 500;
  const t0 = Date.now();
  await assert.rejects(s.connectAsync(lab.host, port('silent')), { errorID: 2031, status: 'unknown', detail: /timed out/ });
  const took = Date.now() - t0;
  assert.ok(took >= 400 && took < 5000, `took ${took} ms`);
});

test('close() keeps the status; connect() resets it', async (t) => {
  const s = sock(t);
  await assert.rejects(s.connectAsync(lab.host, port('expired')));
  assert.equal(s.serverCertificateStatus, S.EXPIRED);
  await s.connectAsync(lab.host, port('trusted'));
  assert.equal(s.serverCertificateStatus, S.TRUSTED);
  s.close();
  assert.equal(s.serverCertificateStatus, S.TRUSTED);
  s.connect(lab.host, port('silent')); // never gets as far as a certificate
  assert.equal(s.serverCertificateStatus, S.UNKNOWN);
});

test('TLS 1.0 only when the minimum is lowered', async (t) => {
  const s = sock(t);
  s.minTLSVersion = TLSVersion.TLS1_0;
  await s.connectAsync(lab.host, port('tls10'));
  assert.equal(s.tlsVersion, 'TLSv1.0');
  assert.equal(s.serverCertificateStatus, S.TRUSTED);
});

test('connection properties', async (t) => {
  const s = await connectTo('echo');
  t.after(() => s.destroy());
  assert.equal(s.remoteAddress, '127.0.0.1');
  assert.equal(s.remotePort, port('echo'));
  assert.equal(s.localAddress, '127.0.0.1');
  assert.ok(s.localPort > 0 && s.localPort < 65536);
  assert.match(s.tlsVersion, /^TLSv1\.[23]$/);
  const chain = s.serverCertificateChain;
  assert.equal(chain.length, 3, 'leaf, intermediate, root');
  const leaf = s.serverCertificate;
  assert.equal(leaf.subject.commonName, 'localhost');
  assert.ok(leaf.validNotBefore instanceof Date && leaf.validNotBefore < new Date());
  assert.ok(Buffer.isBuffer(leaf.encoded));
  assert.deepEqual(s.serverCertificateDER(0), leaf.encoded);
  assert.deepEqual(s.serverCertificateDER(2), fs.readFileSync(lab.files.root_der));
  assert.throws(() => s.serverCertificateDER(3), { code: 'ERR_SS_RANGE', errorID: 2006 });
  for (const bad of [2 ** 32, 2 ** 64, -1, 0.5, NaN]) { // never wrapped to a valid index
    assert.throws(() => s.serverCertificateDER(bad), { code: 'ERR_SS_RANGE', errorID: 2006 }, String(bad));
  }
  s.close();
  assert.equal(s.connected, false);
  assert.equal(s.remoteAddress, null);
  assert.equal(s.localAddress, null);
  assert.equal(s.bytesPending, 0); // no #2002 once it has connected
  assert.equal(s.remotePort, 0);
});

test('an extra trust anchor, and an intermediate that grants no trust by itself', async (t) => {
  const a = sock(t);
  a.addBinaryChainBuildingCertificate(fs.readFileSync(lab.files.untrusted_root_der), true);
  await a.connectAsync(lab.host, port('untrustedRoot'));
  assert.equal(a.serverCertificateStatus, S.TRUSTED);

  const b = sock(t);
  b.addBinaryChainBuildingCertificate(fs.readFileSync(lab.files.intermediate_der), false);
  await b.connectAsync(lab.host, port('missingIntermediate'));

  const c = sock(t);
  c.addBinaryChainBuildingCertificate(fs.readFileSync(lab.files.untrusted_root_der), false);
  await assert.rejects(c.connectAsync(lab.host, port('untrustedRoot')), { status: S.UNTRUSTED_SIGNERS });

  assert.throws(() => c.addBinaryChainBuildingCertificate(Buffer.from('junk'), true), { code: 'ERR_SS_BAD_PARAM' });
});

test('public key pins', async (t) => {
  const good = sock(t);
  good.addPublicKeyPin(SecureSocket.publicKeyPin(fs.readFileSync(lab.files.root_der)));
  await good.connectAsync(lab.host, port('trusted'));

  const bad = sock(t);
  bad.addPublicKeyPin(SecureSocket.publicKeyPin(fs.readFileSync(lab.files.untrusted_root_der)));
  await assert.rejects(bad.connectAsync(lab.host, port('trusted')), { status: S.UNTRUSTED_SIGNERS });
  bad.clearPublicKeyPins();
  await bad.connectAsync(lab.host, port('trusted'));

  assert.throws(() => bad.addPublicKeyPin(Buffer.alloc(31)), { code: 'ERR_SS_BAD_PARAM', errorID: 2004 });
});

test('a client certificate for a server that requires one', async (t) => {
  const s = sock(t);
  s.setClientCertificate(fs.readFileSync(lab.files.client_cert_pem), fs.readFileSync(lab.files.client_key_encrypted_pem),
    'lab-secret');
  await s.connectAsync(lab.host, port('clientCertTLS12'));
  s.writeUTF('ping');
  s.flush();
  await firstEvent(s, ['socketData']);
  assert.equal(s.readUTF(), 'ping');

  const none = sock(t);
  await assert.rejects(none.connectAsync(lab.host, port('clientCertTLS12')), { errorID: 2031 });

  assert.throws(() => s.setClientCertificate(fs.readFileSync(lab.files.client_cert_pem),
    fs.readFileSync(lab.files.client_key_encrypted_pem), 'wrong'), { code: 'ERR_SS_BAD_PARAM' });
  s.clearClientCertificate();
});

test('revocation settings cross the binding', (t) => {
  const s = sock(t);
  assert.equal(s.revocationMode, ss.RevocationMode.SOFT_FAIL);
  s.revocationMode = ss.RevocationMode.HARD_FAIL;
  assert.equal(s.revocationMode, 'hardFail');
  assert.throws(() => { s.revocationMode = 'sometimes'; }, { code: 'ERR_SS_BAD_ENUM', errorID: 2008 });
  assert.equal(s.revocationStatus, ss.RevocationStatus.NOT_CHECKED);
  assert.equal(typeof s.revocationDetail, 'string');
});

test('a revoked certificate is refused with status "revoked"', async (t) => {
  const s = sock(t);
  await assert.rejects(s.connectAsync(lab.host, port('revokedStaple')), { status: S.REVOKED });
  assert.equal(s.revocationStatus, ss.RevocationStatus.REVOKED);
});
