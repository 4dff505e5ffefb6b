'use strict';
// The API without a connection: constants, errors on a new or freed socket,
// properties, the AS3 and EventEmitter faces, and the per-call cost guard.
const test = require('node:test');
const assert = require('node:assert/strict');
const { ss, sock } = require('./helpers');

const {
  SecureSocket, Event, ProgressEvent, IOErrorEvent, SecurityErrorEvent, OutputProgressEvent,
  CertificateStatus, Endian, ObjectEncoding, TLSVersion,
} = ss;

test('constants have the AS3 values', () => {
  assert.equal(Event.CONNECT, 'connect');
  assert.equal(Event.CLOSE, 'close');
  assert.equal(ProgressEvent.SOCKET_DATA, 'socketData');
  assert.equal(IOErrorEvent.IO_ERROR, 'ioError');
  assert.equal(SecurityErrorEvent.SECURITY_ERROR, 'securityError');
  assert.equal(OutputProgressEvent.OUTPUT_PROGRESS, 'outputProgress');
  assert.deepEqual({ ...CertificateStatus }, {
    TRUSTED: 'trusted', UNKNOWN: 'unknown', EXPIRED: 'expired', NOT_YET_VALID: 'notYetValid',
    INVALID: 'invalid', INVALID_CHAIN: 'invalidChain', PRINCIPAL_MISMATCH: 'principalMismatch',
    REVOKED: 'revoked', UNTRUSTED_SIGNERS: 'untrustedSigners',
  });
  assert.equal(Endian.BIG_ENDIAN, 'bigEndian');
  assert.equal(Endian.LITTLE_ENDIAN, 'littleEndian');
  assert.equal(SecureSocket.isSupported, true);
  assert.match(SecureSocket.libraryVersion, /^\d+\.\d+\.\d+/);
});

test('a new socket has the AS3 defaults', (t) => {
  const s = sock(t);
  assert.equal(s.connected, false);
  assert.equal(s.bytesAvailable, 0);
  // AIR: bytesPending on a never-connected socket is IOError #2002.
  assert.throws(() => s.bytesPending, { name: 'IOError', code: 'ERR_SS_INVALID_SOCKET', errorID: 2002 });
  assert.equal(s.endian, Endian.BIG_ENDIAN);
  assert.equal(s.objectEncoding, ObjectEncoding.AMF3);
  assert.equal(s.timeout, 20000);
  assert.equal(s.inputLimit, 16 << 20);
  assert.equal(s.minTLSVersion, TLSVersion.TLS1_2);
  assert.equal(s.tlsVersion, '');
  assert.equal(s.localAddress, null); // AS3 null
  assert.equal(s.localPort, 0);
  assert.equal(s.remoteAddress, null);
  assert.equal(s.remotePort, 0);
  assert.equal(s.serverCertificateStatus, CertificateStatus.UNKNOWN);
  assert.equal(s.failureDetail, '');
  assert.equal(s.serverCertificate, null);
  assert.deepEqual(s.serverCertificateChain, []);
});

test('setters go through the library and keep its rules', (t) => {
  const s = sock(t);
  s.endian = Endian.LITTLE_ENDIAN;
  assert.equal(s.endian, 'littleEndian');
  s.objectEncoding = ObjectEncoding.AMF0;
  assert.equal(s.objectEncoding, 0);
  s.timeout = 100; // raised to the AS3 minimum
  assert.equal(s.timeout, 250);
  s.inputLimit = 10; // raised to 1024
  assert.equal(s.inputLimit, 1024);
  s.minTLSVersion = TLSVersion.TLS1_3;
  assert.equal(s.minTLSVersion, TLSVersion.TLS1_3);

  assert.throws(() => { s.endian = 'middleEndian'; },
    { name: 'ArgumentError', code: 'ERR_SS_BAD_ENUM', errorID: 2008, message: /^Error #2008: / });
  assert.equal(s.endian, 'littleEndian', 'a refused value changes nothing');
  assert.throws(() => { s.objectEncoding = 1; }, { code: 'ERR_SS_BAD_ENUM', errorID: 2008 });
  assert.throws(() => { s.minTLSVersion = 0x0300; }, { code: 'ERR_SS_BAD_ENUM', errorID: 2008 }); // SSL 3.0 never
  assert.throws(() => { s.endian = null; }, { name: 'TypeError', code: 'ERR_SS_NULL', errorID: 2007 });
});

test('#2002 on a socket that was never connected', (t) => {
  const s = sock(t);
  const calls = {
    readBoolean: () => s.readBoolean(),
    readByte: () => s.readByte(),
    readUnsignedByte: () => s.readUnsignedByte(),
    readShort: () => s.readShort(),
    readUnsignedShort: () => s.readUnsignedShort(),
    readInt: () => s.readInt(),
    readUnsignedInt: () => s.readUnsignedInt(),
    readFloat: () => s.readFloat(),
    readDouble: () => s.readDouble(),
    readBytes: () => s.readBytes(),
    readBytesInto: () => s.readBytesInto(Buffer.alloc(4)),
    readUTF: () => s.readUTF(),
    readUTFBytes: () => s.readUTFBytes(1),
    readMultiByte: () => s.readMultiByte(1, 'utf-8'),
    writeBoolean: () => s.writeBoolean(true),
    writeByte: () => s.writeByte(1),
    writeShort: () => s.writeShort(1),
    writeInt: () => s.writeInt(1),
    writeUnsignedInt: () => s.writeUnsignedInt(1),
    writeFloat: () => s.writeFloat(1),
    writeDouble: () => s.writeDouble(1),
    writeBytes: () => s.writeBytes(Buffer.from([1])),
    writeUTF: () => s.writeUTF('x'),
    writeUTFBytes: () => s.writeUTFBytes('x'),
    writeMultiByte: () => s.writeMultiByte('x', 'utf-8'),
    flush: () => s.flush(),
    close: () => s.close(),
  };
  for (const [what, call] of Object.entries(calls)) {
    assert.throws(call, (err) => {
      assert.ok(err instanceof ss.IOError, `${what}: ${err}`);
      assert.equal(err.name, 'IOError');
      assert.equal(err.errorID, 2002);
      assert.equal(err.code, 'ERR_SS_INVALID_SOCKET');
      assert.match(err.message, /^Error #2002: /);
      return true;
    }, what);
  }
});

test('a port out of range throws SecurityError #2003 synchronously, before anything starts', async (t) => {
  const s = sock(t);
  let events = 0;
  for (const t of ['connect', 'ioError', 'securityError']) s.on(t, () => events++);
  for (const p of [-1, 65536, 70000]) {
    assert.throws(() => s.connect('localhost', p),
      { name: 'SecurityError', code: 'ERR_SS_BAD_PORT', errorID: 2003, message: /^Error #2003: / });
  }
  await assert.rejects(s.connectAsync('localhost', 65536), { code: 'ERR_SS_BAD_PORT', errorID: 2003 });
  assert.throws(() => s.connect('', 443), { name: 'ArgumentError', code: 'ERR_SS_BAD_PARAM', errorID: 2004 });
  // AIR: connect(null, port) is TypeError #1009.
  for (const host of [null, undefined]) {
    assert.throws(() => s.connect(host, 443), (err) => {
      assert.ok(err instanceof globalThis.TypeError && err instanceof ss.TypeError);
      assert.equal(err.code, 'ERR_SS_NULL_OBJECT');
      assert.equal(err.errorID, 1009);
      assert.match(err.message, /^Error #1009: Cannot access a property or method of a null object reference\./);
      return true;
    });
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(events, 0);
  assert.equal(s.connected, false);
});

test('null arguments get the library\'s TypeError #2007', (t) => {
  const s = sock(t);
  assert.throws(() => s.writeBytes(null), { code: 'ERR_SS_NULL', errorID: 2007 });
  assert.throws(() => s.readBytesInto(null), { code: 'ERR_SS_NULL', errorID: 2007 });
  assert.throws(() => s.writeUTF(null), { code: 'ERR_SS_NULL', errorID: 2007 });
  assert.throws(() => s.writeBytes('not bytes'), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('a destroyed socket throws ERR_SS_HANDLE and never crashes', () => {
  const s = new SecureSocket();
  s.destroy();
  s.destroy(); // idempotent
  const calls = [
    () => s.connected, () => s.bytesAvailable, () => s.endian, () => { s.timeout = 1000; },
    () => s.serverCertificateStatus, () => s.localAddress, () => s.readInt(), () => s.readBytes(),
    () => s.readBytesInto(Buffer.alloc(8)), () => s.readUTF(), () => s.writeInt(1),
    () => s.writeBytes(Buffer.alloc(8)), () => s.writeUTF('x'), () => s.flush(), () => s.close(),
    () => s.connect('localhost', 443), () => s.serverCertificateChain, () => s.addPublicKeyPin(Buffer.alloc(32)),
  ];
  for (const call of calls) {
    assert.throws(call, (err) => {
      assert.ok(err instanceof ss.SecureSocketError);
      assert.equal(err.code, 'ERR_SS_HANDLE');
      assert.equal(err.errorID, 0);
      assert.match(err.message, /invalid handle/);
      return true;
    });
  }
});

test('Symbol.dispose frees the socket (what `using` calls)', () => {
  const s = new SecureSocket();
  s[Symbol.dispose]();
  assert.throws(() => s.connected, { code: 'ERR_SS_HANDLE' });
});

test('readBytesInto checks its offset; the library checks the rest', (t) => {
  const s = sock(t);
  assert.throws(() => s.readBytesInto(Buffer.alloc(4), 5), { name: 'RangeError', code: 'ERR_SS_RANGE', errorID: 2006 });
  assert.ok(new ss.RangeError('x', 2006, 'ERR_SS_RANGE') instanceof globalThis.RangeError);
  assert.ok(new ss.TypeError('x', 2007, 'ERR_SS_NULL') instanceof globalThis.TypeError);
  assert.ok(new ss.EOFError('x', 2030, 'ERR_SS_EOF') instanceof ss.IOError);
});

test('publicKeyPin is the SHA-256 of the SubjectPublicKeyInfo', () => {
  const crypto = require('node:crypto');
  const fs = require('node:fs');
  const { lab } = require('./helpers');
  const der = fs.readFileSync(lab.files.root_der);
  const spki = new crypto.X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  assert.deepEqual(SecureSocket.publicKeyPin(der), crypto.createHash('sha256').update(spki).digest());
  assert.throws(() => SecureSocket.publicKeyPin(Buffer.from('nope')), { name: 'ArgumentError', code: 'ERR_SS_BAD_PARAM' });
});

// ---- the two listener faces ---------------------------------------------------

test('AS3 listeners: priority order, duplicates ignored, capture never runs at the target', (t) => {
  const s = sock(t);
  const seen = [];
  const a = () => seen.push('a');
  const b = () => seen.push('b');
  const c = () => seen.push('c');
  const cap = () => seen.push('capture');
  s.addEventListener('x', a);
  s.addEventListener('x', b, false, 5);
  s.addEventListener('x', c, false, 5);
  s.addEventListener('x', a, false, 10); // same listener and phase: ignored
  s.addEventListener('x', cap, true);
  s.on('x', () => seen.push('emitter'));
  assert.equal(s.dispatchEvent(new Event('x')), true);
  assert.deepEqual(seen, ['b', 'c', 'a', 'emitter']);
  assert.equal(s.hasEventListener('x'), true);
  assert.equal(s.willTrigger('x'), true);
  assert.equal(s.hasEventListener('y'), false);
  s.removeEventListener('x', b);
  s.removeEventListener('x', cap); // wrong phase: stays
  seen.length = 0;
  s.dispatchEvent(new Event('x'));
  assert.deepEqual(seen, ['c', 'a', 'emitter']);
  s.removeEventListener('x', cap, true);
  s.removeEventListener('x', a);
  s.removeEventListener('x', c);
  s.removeAllListeners('x');
  assert.equal(s.hasEventListener('x'), false);
  s.on('y', () => {});
  assert.equal(s.hasEventListener('y'), true, 'the EventEmitter face counts too');
});

test('AS3 dispatch: snapshot of listeners, stopImmediatePropagation, preventDefault, target, clone', (t) => {
  const s = sock(t);
  const seen = [];
  const late = () => seen.push('late');
  const second = () => seen.push('second');
  s.addEventListener('x', (e) => {
    seen.push('first');
    assert.equal(e.target, s);
    assert.equal(e.currentTarget, s);
    assert.equal(e.eventPhase, ss.EventPhase.AT_TARGET);
    s.removeEventListener('x', second); // still runs in this dispatch (AS3)
    s.addEventListener('x', late); // does not run in this dispatch
  });
  s.addEventListener('x', second);
  s.dispatchEvent(new Event('x'));
  assert.deepEqual(seen, ['first', 'second']);

  const u = sock(t);
  u.addEventListener('y', (e) => { e.preventDefault(); e.stopImmediatePropagation(); });
  u.addEventListener('y', () => assert.fail('stopped'));
  u.on('y', () => assert.fail('stopped on the EventEmitter face too'));
  assert.equal(u.dispatchEvent(new Event('y', false, true)), false);
  const ev = new IOErrorEvent('ioError', false, false, 'text', 2031, 'why');
  u.dispatchEvent(ev);
  assert.equal(ev.target, u);
  let again;
  u.on('ioError', (e) => { again = e; });
  u.dispatchEvent(ev); // dispatched before: AS3 clones it
  assert.notEqual(again, ev);
  assert.deepEqual([again.text, again.errorID, again.detail], ['text', 2031, 'why']);
  assert.match(String(ev), /^\[IOErrorEvent type="ioError".*errorID=2031/);
});

test('an ioError without listeners is not an unhandled EventEmitter error', async (t) => {
  const { port, lab } = require('./helpers');
  const s = sock(t);
  s.connect(lab.host, port('refused'));
  for (let i = 0; i < 250 && s.failureDetail === ''; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setImmediate(r)); // the pump has delivered the ioError by now
  assert.equal(s.serverCertificateStatus, 'unknown');
  assert.match(s.failureDetail, /refused/);
});

// ---- cost ---------------------------------------------------------------------

test('per-call cost guard: a Go-entering call from the main thread stays far below the 50 us cliff', (t) => {
  // Without the library's pthread_getattr_np wrap every call that enters Go
  // from Node's main thread costs ~50 us (reference/ffi.md, addendum); with
  // it, well under 1 us. 20 us is a wide margin for a loaded machine.
  const s = sock(t);
  const N = 20000;
  const samples = [];
  for (let round = 0; round < 7; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) void s.timeout; // ss_get_timeout: enters Go, succeeds
    samples.push(Number(process.hrtime.bigint() - t0) / N);
  }
  samples.sort((x, y) => x - y);
  const median = samples[3];
  t.diagnostic(`ss_get_timeout: median ${median.toFixed(0)} ns per call`);
  assert.ok(median < 20000, `median ${median} ns per call`);
});
