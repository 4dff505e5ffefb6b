'use strict';
// Protocol options and connection facts against the lab: ALPN offered and
// chosen (or not), the server name override, version and cipher suite,
// TCP_NODELAY read back from the kernel with getsockopt() (libc through koffi).
const test = require('node:test');
const assert = require('node:assert/strict');
const koffi = require('koffi');
const { ss, lab, port, firstEvent, sock, waitBytes } = require('./helpers');

const { SecureSocket, TLSVersion } = ss;

async function outcome(s, host, scenario) {
  const ev = firstEvent(s, ['connect', 'ioError']);
  s.connect(host, port(scenario));
  return ev;
}

async function firstLine(s) {
  let line = '';
  for (;;) {
    await waitBytes(s, 1);
    const c = String.fromCharCode(s.readUnsignedByte());
    if (c === '\n') return line;
    line += c;
  }
}

for (const [scenario, offer, chosen] of [
  ['alpn', ['http/1.1', 'ss-lab/1'], 'ss-lab/1'],
  ['alpn', ['http/1.1'], 'http/1.1'],
  ['alpn', [], null],
  ['alpnNone', ['ss-lab/1'], null],
]) {
  test(`ALPN ${scenario} offering ${JSON.stringify(offer)}`, async (t) => {
    const s = sock(t);
    s.alpnProtocols = offer;
    assert.deepEqual(s.alpnProtocols, offer);
    const ev = await outcome(s, lab.host, scenario);
    assert.equal(ev.type, 'connect');
    assert.equal(s.negotiatedProtocol, chosen);
    assert.equal(await firstLine(s), `alpn=${chosen ?? ''} sni=localhost`);
    s.close();
    assert.equal(s.negotiatedProtocol, null);
  });
}

test('ALPN refused by the server, bad names', async (t) => {
  const s = sock(t);
  s.alpnProtocols = ['imap'];
  const ev = await outcome(s, lab.host, 'alpn');
  assert.equal(ev.type, 'ioError');
  assert.match(ev.detail, /no application protocol/);
  assert.throws(() => { s.alpnProtocols = ['x'.repeat(256)]; }, { errorID: 2004 });
  assert.throws(() => { s.alpnProtocols = ['']; }, TypeError);
  assert.throws(() => { s.alpnProtocols = ['a,b']; }, TypeError);
  assert.deepEqual(s.alpnProtocols, ['imap']);
  s.alpnProtocols = null;
  assert.deepEqual(s.alpnProtocols, []);
});

test('server name different from the address', async (t) => {
  let s = sock(t);
  s.serverName = 'wrong.example';
  assert.equal(s.serverName, 'wrong.example');
  let ev = await outcome(s, '127.0.0.1', 'wrongHost');
  assert.equal(ev.type, 'connect');
  assert.equal(s.serverCertificateStatus, 'trusted');

  s = sock(t);
  s.serverName = 'localhost';
  ev = await outcome(s, '127.0.0.1', 'alpn');
  assert.equal(ev.type, 'connect');
  assert.equal(await firstLine(s), 'alpn= sni=localhost');

  s = sock(t);
  s.serverName = 'wrong.example';
  ev = await outcome(s, lab.host, 'trusted');
  assert.equal(ev.type, 'ioError');
  assert.match(ev.detail, /wrong\.example/);
  assert.equal(s.serverCertificateStatus, 'principalMismatch');
  assert.throws(() => { s.serverName = 'not a name'; }, { errorID: 2004 });
  s.serverName = null;
  assert.equal(s.serverName, null);
});

test('version and cipher suite', async (t) => {
  let s = sock(t);
  assert.equal(s.cipherSuite, '');
  await outcome(s, lab.host, 'trusted');
  assert.equal(s.tlsVersion, 'TLSv1.3');
  assert.match(s.cipherSuite, /^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
  s.close();
  assert.equal(s.cipherSuite, '');
  s = sock(t);
  s.minTLSVersion = TLSVersion.TLS1_0;
  assert.equal((await outcome(s, lab.host, 'tls10')).type, 'connect');
  assert.match(s.cipherSuite, /^TLS_ECDHE_ECDSA_WITH_AES_/);
});

// getsockopt(2) from libc: Node has no API for TCP_NODELAY's kernel value.
const libc = koffi.load(process.platform === 'darwin' ? 'libc.dylib' : 'libc.so.6');
const getsockopt = libc.func('int getsockopt(int fd, int level, int name, _Out_ int *value, _Inout_ uint32_t *len)');
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;

function kernelNoDelay(s) {
  const fd = s.nativeHandle;
  assert.ok(fd >= 0);
  const v = [-1];
  assert.equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, v, [4]), 0);
  return v[0] !== 0;
}

test('tcpNoDelay read back from the kernel', { skip: process.platform === 'win32' }, async (t) => {
  const s = sock(t);
  assert.equal(s.nativeHandle, -1);
  assert.equal(s.tcpNoDelay, true);
  assert.equal((await outcome(s, lab.host, 'echo')).type, 'connect');
  assert.equal(kernelNoDelay(s), true);
  s.tcpNoDelay = false;
  assert.equal(s.tcpNoDelay, false);
  assert.equal(kernelNoDelay(s), false);
  s.tcpNoDelay = true;
  assert.equal(kernelNoDelay(s), true);
  s.tcpNoDelay = false;
  assert.equal((await outcome(s, lab.host, 'echo')).type, 'connect');
  assert.equal(kernelNoDelay(s), false);
  s.close();
  assert.equal(s.nativeHandle, -1);
});
