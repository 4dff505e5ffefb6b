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

// A child process: the library's Go runtime reads SSLKEYLOGFILE from the
// environment the process started with.
const CHILD = `
const ss = require(process.argv[1]);
const s = new ss.SecureSocket();
s.connectAsync(process.argv[2], Number(process.argv[3])).then(() => { s.close(); s.destroy(); process.exit(0); },
  (e) => { console.error(e); process.exit(1); });
`;
const NSS_LINE = /^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET|CLIENT_RANDOM) [0-9a-f]{64} [0-9a-f]{64,128}$/;

test('SSLKEYLOGFILE: a key log only when asked, NSS lines, appended', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { execFileSync } = require('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-keylog-'));
  const file = path.join(dir, 'keys.log');
  const child = (keylog) => {
    const env = { ...process.env };
    delete env.SSLKEYLOGFILE;
    if (keylog) env.SSLKEYLOGFILE = keylog;
    execFileSync(process.execPath, ['-e', CHILD, path.resolve(__dirname, '..'), lab.host, String(port('trusted'))],
      { env, stdio: 'inherit', timeout: 60000 });
  };
  try {
    child(null);
    assert.equal(fs.existsSync(file), false);
    child(file);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.ok(lines.length >= 4);
    for (const l of lines) assert.match(l, NSS_LINE);
    child(file);
    assert.equal(fs.readFileSync(file, 'utf8').trimEnd().split('\n').length, 2 * lines.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function proxyURL(scheme, scenario, password) {
  const creds = password === null ? '' : `${encodeURIComponent(lab.proxy.user)}:${encodeURIComponent(password)}@`;
  return `${scheme}://${creds}127.0.0.1:${port(scenario)}`;
}

for (const [scheme, scenario, auth] of [
  ['http', 'httpProxy', false], ['http', 'httpProxyAuth', true],
  ['socks5', 'socks5Proxy', false], ['socks5h', 'socks5ProxyAuth', true],
]) {
  for (const behind of ['trusted_host', 'expired_host']) {
    test(`proxy ${scenario} (${scheme}) to ${behind}`, async (t) => {
      const s = sock(t);
      s.proxy = proxyURL(scheme, scenario, auth ? lab.proxy.password : null);
      const ev = firstEvent(s, ['connect', 'ioError']);
      s.connect(lab.proxy[behind], lab.proxy.port);
      const e = await ev;
      if (behind === 'trusted_host') {
        assert.equal(e.type, 'connect');
        assert.equal(s.serverCertificateStatus, 'trusted');
        s.writeUTFBytes('through the proxy\n');
        s.flush();
        assert.equal(await firstLine(s), 'through the proxy');
      } else {
        assert.equal(e.type, 'ioError');
        assert.match(e.detail, /expired/);
        assert.equal(s.serverCertificateStatus, 'expired');
      }
    });
  }
}

test('proxy refusals and settings', async (t) => {
  for (const [scheme, scenario, reason] of [['http', 'httpProxyAuth', /407/], ['socks5', 'socks5ProxyAuth', /authentication failed/]]) {
    const s = sock(t);
    s.proxy = proxyURL(scheme, scenario, 'nope');
    assert.ok(!s.proxy.includes('nope') && s.proxy.includes('xxxxx'));
    const ev = firstEvent(s, ['connect', 'ioError']);
    s.connect(lab.proxy.trusted_host, lab.proxy.port);
    const e = await ev;
    assert.equal(e.type, 'ioError');
    assert.match(e.detail, reason);
    assert.match(e.detail, /proxy 127\.0\.0\.1:/);
    assert.equal(s.serverCertificateStatus, 'unknown');
    assert.throws(() => { s.proxy = 'https://proxy.example:1'; }, { errorID: 2004 });
    s.proxy = null;
    assert.equal(s.proxy, null);
  }
});

async function plainBeforeUpgrade(t, scenario) {
  const s = new ss.Socket();
  t.after(() => s.destroy());
  assert.ok(!(s instanceof SecureSocket) && new SecureSocket() instanceof ss.Socket);
  await s.connectAsync(lab.host, port(scenario));
  assert.equal(s.serverCertificateStatus, 'unknown');
  assert.equal(s.secure, false);
  assert.equal(await firstLine(s), '220 securesocket lab ESMTP\r');
  s.writeUTFBytes('EHLO client\r\n');
  s.flush();
  s.writeUTFBytes('STARTTLS\r\n'); // startTLS flushes it
  s.flush();
  await waitBytes(s, '250 EHLO client\r\n220 ready\r\n'.length);
  return s;
}

test('startTLS to the good server: plaintext first, then decrypted bytes', async (t) => {
  const s = await plainBeforeUpgrade(t, 'starttls');
  const ev = firstEvent(s, ['connect', 'ioError']);
  s.startTLS(lab.host);
  assert.throws(() => s.startTLS(lab.host), { errorID: 2002 });
  assert.equal((await ev).type, 'connect');
  assert.equal(s.secure, true);
  assert.equal(s.serverCertificateStatus, 'trusted');
  assert.equal(s.tlsVersion, 'TLSv1.3');
  assert.equal(await firstLine(s), '250 EHLO client\r');
  assert.equal(await firstLine(s), '220 ready\r');
  s.writeUTFBytes('secret after the upgrade\n');
  s.flush();
  assert.equal(await firstLine(s), 'secret after the upgrade');
  const sec = sock(t);
  await sec.connectAsync(lab.host, port('echo'));
  assert.throws(() => sec.startTLS(lab.host), { errorID: 2002 });
});

for (const [scenario, status] of [['starttlsExpired', 'expired'], ['starttlsWrongHost', 'principalMismatch']]) {
  test(`startTLS refused: ${scenario}`, async (t) => {
    const s = await plainBeforeUpgrade(t, scenario);
    await assert.rejects(s.startTLSAsync(lab.host), (e) => e.errorID === 2031 && e.status === status && e.detail.length > 0);
    assert.equal(s.serverCertificateStatus, status);
    assert.equal(s.connected, false);
    assert.equal(s.bytesAvailable, 0);
    assert.throws(() => s.readUnsignedByte(), { errorID: 2002 });
  });
}

for (const [scenario, code, says] of [
  ['starttls', 0, 'upgraded to TLSv1.3\nS: hello over TLS\n'],
  ['starttlsExpired', 1, 'refused: expired ('],
  ['starttlsWrongHost', 1, 'refused: principalMismatch ('],
]) {
  test(`starttls sample (docs/starttls.md) against ${scenario}`, () => {
    const path = require('node:path');
    const { spawnSync } = require('node:child_process');
    const sample = path.resolve(__dirname, '..', '..', '..', 'examples', 'starttls', 'starttls.js');
    const r = spawnSync(process.execPath, [sample, lab.host, String(port(scenario))], {
      env: { ...process.env, SECURESOCKET_MODULE: path.resolve(__dirname, '..') }, encoding: 'utf8', timeout: 60000,
    });
    assert.equal(r.status, code, r.stdout + r.stderr);
    assert.ok(r.stdout.startsWith('S: 220 securesocket lab ESMTP\nS: 250 EHLO client.example\nS: 220 ready\n'), r.stdout);
    assert.ok(r.stdout.includes(says), r.stdout);
  });
}
